import { describe, expect, it } from 'vitest';
import { validateDocumentPath } from '../../src/domain/document-path.js';
import { InvalidPathError } from '../../src/domain/errors.js';
import { type GitSpecialNames, gitPathSegmentProblem, gitSpecialNames } from '../../src/domain/git-path-rules.js';

/**
 * Git's own rules for the names it reads as `.git`, `.gitmodules`, `.gitattributes`, `.gitignore` and `.mailmap`
 * (path.c, utf8.c). The lists under "git's own test cases" are those of git's t/t0060-path-utils.sh; the rest are
 * the tricks of issue 12. test/git/git-path-rules-fsck.test.ts checks the same rules against `git fsck` itself.
 */
const bytes = (name: string | readonly number[]): Uint8Array => (typeof name === 'string' ? Buffer.from(name, 'utf8') : Uint8Array.from(name));
const special = (name: string | readonly number[], kind: keyof GitSpecialNames): boolean => gitSpecialNames(bytes(name))[kind];

describe('names git reads as .git (hasDotgit)', () => {
  const DOT_GIT = [
    // The paths of issue 12, finding 5, one segment each.
    '.git:x',
    '.GIT::$INDEX_ALLOCATION',
    'git~1:foo',
    '.git:',
    // Case, and NTFS dropping trailing spaces and periods.
    '.git',
    '.GIT',
    '.gIt',
    '.git.',
    '.git ',
    '.git. . .',
    '.git...',
    'git~1',
    'GIT~1',
    'Git~1. ',
    // NTFS streams: all of them, not only ::$INDEX_ALLOCATION.
    '.git::$DATA',
    '.git . :stream',
    'GIT~1:$INDEX_ALLOCATION',
    // HFS+ ignores these code points wherever they are.
    '.g\u200Cit',
    '\u200D.git',
    '.gi\u200Et',
    '.git\u200F',
    '.\u202Agit',
    '.g\u202B\u202Cit',
    '.gi\u202Dt\u202E',
    '.\u206Ag\u206Bi\u206Ct\u206D\u206E\u206F',
    '\uFEFF.GIT',
    '.G\u200CI\u200CT',
    // fsck reads the parts of a name after a backslash as names of their own (Windows splits paths there).
    'a\\.git',
    'a\\b\\GIT~1',
    'x\\.git:y',
  ];
  const NOT_DOT_GIT = [
    'git',
    '.gitx',
    '.git x',
    '.git.x',
    'x.git',
    ' .git',
    '..git',
    'git~2',
    'git~10',
    'git~1x',
    '.gi',
    '.gitignore',
    '.gitmodules',
    // fsck does not fold compatibility look-alikes (Cairn's own rule refuses them anyway).
    '.\uFF47it',
    '\uFF0Egit',
    // Not one of the code points HFS+ ignores.
    '.g\u200Bit',
    '.g\u00ADit',
    // HFS+ ignores them, NTFS does not: trailing periods are NTFS only, streams too.
    '.g\u200Cit.x',
    'a\\git',
  ];

  it.each(DOT_GIT)('%j is .git', (name) => expect(special(name, 'dotGit')).toBe(true));
  it.each(NOT_DOT_GIT)('%j is not .git', (name) => expect(special(name, 'dotGit')).toBe(false));

  it('reads malformed UTF-8 after ".git" as the end of the name, as git does', () => {
    const dotGit = [...Buffer.from('.git')];
    expect(special([...dotGit, 0xff], 'dotGit')).toBe(true);
    expect(special([...dotGit, 0xe2, 0x80], 'dotGit')).toBe(true); // truncated sequence
    expect(special([...dotGit, 0xed, 0xa0, 0x80], 'dotGit')).toBe(true); // an encoded surrogate
    expect(special([...dotGit, 0xef, 0xbf, 0xbf], 'dotGit')).toBe(true); // U+FFFF
    expect(special([...dotGit, 0xc0, 0xae], 'dotGit')).toBe(true); // overlong "."
    // Inside the needle, malformed UTF-8 cannot spell it.
    expect(special([0x2e, 0x67, 0xff, 0x69, 0x74], 'dotGit')).toBe(false);
    expect(special([0x2e, 0x67, 0xc1, 0xa9, 0x74], 'dotGit')).toBe(false); // overlong "i"
    // A well-formed non-ASCII character after ".git" is part of the name.
    expect(special('.git\u00E9', 'dotGit')).toBe(false);
  });

  it('stops at a NUL, as C strings do', () => {
    expect(special([...Buffer.from('.git'), 0, ...Buffer.from('x')], 'dotGit')).toBe(true);
  });
});

describe("git's own test cases (t0060-path-utils.sh)", () => {
  const u200c = '\u200C';
  const GITMODULES = [
    '.gitmodules',
    `.git${u200c}modules`,
    '.Gitmodules',
    '.gitmoduleS',
    ...['.gitmodules', '.Gitmodules'].flatMap((base) => [' ', '.', '  ', '. ', ' .', '..', '   ', '.  ', ' . ', '  .'].map((tail) => base + tail)),
    'GITMOD~1',
    'gitmod~1',
    'GITMOD~2',
    'gitmod~3',
    'GITMOD~4',
    'GITMOD~1 ',
    'gitmod~2.',
    'GITMOD~3  ',
    'gitmod~4. ',
    'GITMOD~1 .',
    'gitmod~2   ',
    'GITMOD~3.  ',
    'gitmod~4 . ',
    'GI7EBA~1',
    'gi7eba~9',
    'GI7EB~10',
    'GI7EB~11',
    'GI7EB~99',
    'GI7E~100',
    'GI7E~101',
    'GI7E~999',
    '~1000000',
    '~9999999',
    '.gitmodules:$DATA',
    'gitmod~4 . :$DATA',
  ];
  const NOT_GITMODULES = [
    '.gitmodules x',
    '.gitmodules .x',
    ' .gitmodules',
    '..gitmodules',
    'gitmodules',
    '.gitmodule',
    '.gitmodules x ',
    'GI7EBA~',
    'GI7EBA~0',
    'GI7EBA~~1',
    'GI7EBA~X',
    'Gx7EBA~1',
    'GI7EBX~1',
    'GI7EB~1',
    'GI7EB~01',
    'GI7EB~1X',
    '.gitmodules,:$DATA',
  ];

  it.each(GITMODULES)('%j is .gitmodules', (name) => expect(special(name, 'gitmodules')).toBe(true));
  it.each(NOT_GITMODULES)('%j is not .gitmodules', (name) => expect(special(name, 'gitmodules')).toBe(false));

  it.each([
    ['gitattributes', ['.gitattributes', `.git${u200c}attributes`, '.Gitattributes', '.gitattributeS', 'GITATT~1', 'GI7D29~1']],
    ['gitignore', ['.gitignore', `.git${u200c}ignore`, '.Gitignore', '.gitignorE', 'GITIGN~1', 'GI250A~1']],
    ['mailmap', ['.mailmap', `.mail${u200c}map`, '.Mailmap', '.mailmaP', 'MAILMA~1', 'MABA30~1']],
  ] as const)('.%s and its aliases', (kind, names) => {
    for (const name of names) expect(special(name, kind), name).toBe(true);
  });

  it('reads .gitmodules after a backslash, but not the other dotfiles', () => {
    expect(special('a\\.gitmodules', 'gitmodules')).toBe(true);
    expect(special('a\\gi7eba~1:x', 'gitmodules')).toBe(true);
    expect(special('a\\.gitattributes', 'gitattributes')).toBe(false);
    expect(special('a\\.gitignore', 'gitignore')).toBe(false);
  });
});

describe('gitPathSegmentProblem: what a document path segment may not be', () => {
  it.each(['.git:x', '.GIT::$INDEX_ALLOCATION', 'git~1:foo', '.git:', '.g\u200Cit', 'git~1 . '])('%j touches .git', (segment) => {
    expect(gitPathSegmentProblem(segment)).toContain('.git directory');
  });

  // A document there is parsed by fsck as submodule settings (errors for a bad submodule name or url); a folder
  // there is gitmodulesBlob.
  it.each(['.gitmodules', '.GITMODULES.', '.gitmodules:x.yaml', 'gitmod~1', 'GITMOD~4:a.json', 'gi7eba~1:x.yaml', '~1234567'])(
    '%j reads as .gitmodules',
    (segment) => expect(gitPathSegmentProblem(segment)).toContain('".gitmodules"'),
  );

  // A long line in a document there is gitattributesLineLength; a folder there is gitattributesBlob.
  it.each(['.gitattributes', '.gitattributes:x.yaml', 'gitatt~1', 'GI7D29~2:a.json'])('%j reads as .gitattributes', (segment) => {
    expect(gitPathSegmentProblem(segment)).toContain('".gitattributes"');
  });

  // fsck objects to these only as symbolic links, which Cairn never writes.
  it.each(['.gitignore', '.mailmap', '.gitignore:x.yaml', 'gitign~1', '.mailmap.', 'git', 'gitmodules', '.gitmodules.yaml', 'gi7eba~1.yaml', 'a.yaml'])(
    '%j is fine',
    (segment) => expect(gitPathSegmentProblem(segment)).toBeNull(),
  );
});

describe('validateDocumentPath refuses the paths of issue 12, finding 5', () => {
  it.each([
    ['.git:x/a.yaml', '.git'],
    ['.GIT::$INDEX_ALLOCATION/a.yaml', '.git'],
    ['git~1:foo/a.yaml', '.git'],
    ['x/.git:/a.yaml', '.git'],
    ['x/y/GIT~1::$DATA/a.json', '.git'],
    ['.gitmodules/a.yaml', '.gitmodules'],
    ['.gitmodules:x.yaml', '.gitmodules'],
    ['conf/GITMOD~1:s.json', '.gitmodules'],
    ['.gitattributes/a.yaml', '.gitattributes'],
    ['x/.gitattributes::$DATA.yml', '.gitattributes'],
  ])('%j (%s)', (path, name) => {
    let refused: unknown = null;
    try {
      validateDocumentPath(path);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(InvalidPathError);
    expect((refused as InvalidPathError).reason).toContain(name);
  });

  it('still accepts .gitignore and .mailmap look-alikes, which fsck refuses only as symbolic links', () => {
    for (const path of ['.gitignore/a.yaml', '.mailmap:x.json', 'conf/.gitignore.yaml']) expect(validateDocumentPath(path)).toBe(path);
  });
});

describe('gitPathSegmentProblem on plain segments', () => {
  // Its shortcut: printable ASCII without `\` or `~`, not starting with a dot, is none of the special names.
  const plain = /^[\x20-\x5b\x5d-\x7d]+$/;
  const alphabet = ['.', 'g', 'G', 'i', 't', 'm', 'o', '~', '1', '7', ' ', ':', '\\', 'a', '\u200c'];

  it('agrees with the full rules on every segment of up to four characters over the letters that matter', () => {
    let checked = 0;
    const visit = (segment: string): void => {
      if (segment.length > 0) {
        const special = Object.values(gitSpecialNames(new TextEncoder().encode(segment))).some(Boolean);
        if (plain.test(segment) && !segment.startsWith('.')) expect(special, JSON.stringify(segment)).toBe(false);
        checked += 1;
      }
      if (segment.length < 4) for (const c of alphabet) visit(segment + c);
    };
    visit('');
    expect(checked).toBeGreaterThan(50_000);
  });
});
