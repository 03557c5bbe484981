import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDocumentPath } from '../../src/domain/document-path.js';
import { type GitSpecialNames, gitSpecialNames } from '../../src/domain/git-path-rules.js';
import { writeLoose } from '../support/loose-object.js';

/**
 * The path rules against `git fsck --strict` itself, on names generated with the tricks NTFS and HFS+ play: case,
 * trailing periods and spaces, alternate data streams, 8.3 short names, the code points HFS+ ignores, fullwidth
 * letters, malformed UTF-8, backslashes. Deterministic: fixed seed (CAIRN_FUZZ_SEED); many names go into one
 * repository and are judged by one fsck run, so the whole file takes a few seconds.
 */
const SEED = Number(process.env.CAIRN_FUZZ_SEED ?? 20_261_125);
const NAMES = 3000;
const PATHS = 2000;

/** Code points HFS+ ignores (git's utf8.c), and a few it does not, as near misses. */
const HFS_IGNORED = [
  '\u200C',
  '\u200D',
  '\u200E',
  '\u200F',
  '\u202A',
  '\u202B',
  '\u202C',
  '\u202D',
  '\u202E',
  '\u206A',
  '\u206B',
  '\u206C',
  '\u206D',
  '\u206E',
  '\u206F',
  '\uFEFF',
];
const NOT_IGNORED = ['\u200B', '\u2060', '\u00AD', '\u180E', '\u2061'];
const NTFS_TAILS = ['', ' ', '.', '. .', ' . ', '...', ':', ':x', '::$INDEX_ALLOCATION', '::$DATA', ' .:stream', ':a.yaml'];
const OTHER_TAILS = ['x', ' x', '.x', '.yaml', '\u00E9', '~', '1', '\\x'];
/** Spellings of .git, .gitmodules, .gitattributes (refused) and .gitignore, .mailmap (refused only as symlinks). */
const BAD_BASES = [
  '.git',
  'git~1',
  '.gitmodules',
  'gitmod~1',
  'gitmod~4',
  'gi7eba~1',
  'gi7eba~9',
  'gi7eb~10',
  'gi7e~123',
  '~1234567',
  '.gitattributes',
  'gitatt~2',
  'gi7d29~3',
];
const OTHER_BASES = [
  '.gitignore',
  'gitign~1',
  'gi250a~2',
  '.mailmap',
  'mailma~3',
  'maba30~1',
  'git',
  'git~2',
  'gitmod~5',
  'gi7eba~0',
  'gi7eba~',
  'gi7ebx~1',
  '..git',
  '.gi',
  'gitmodules',
  'x~1',
  'conf',
];
const MALFORMED: readonly (readonly number[])[] = [
  [0xff],
  [0xe2, 0x80],
  [0xed, 0xa0, 0x80],
  [0xef, 0xbf, 0xbe],
  [0xc0, 0xae],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
];

interface Trick {
  readonly base: string;
  readonly tail: string;
  readonly flips: readonly boolean[];
  readonly fullwidth: readonly number[];
  readonly ignorables: readonly (readonly [number, string])[];
}

const trickArb: fc.Arbitrary<Trick> = fc.record({
  base: fc.oneof(fc.constantFrom(...BAD_BASES), fc.constantFrom(...OTHER_BASES)),
  tail: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NTFS_TAILS) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_TAILS) }),
  flips: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
  fullwidth: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.nat(15), { minLength: 1, maxLength: 2 }) }),
  ignorables: fc.oneof(
    { weight: 3, arbitrary: fc.constant([]) },
    { weight: 2, arbitrary: fc.array(fc.tuple(fc.nat(20), fc.constantFrom(...HFS_IGNORED, ...NOT_IGNORED)), { minLength: 1, maxLength: 3 }) },
  ),
});

/** A character's fullwidth twin (U+FF01..U+FF5E mirror ASCII 0x21..0x7E). */
const fullwidthOf = (c: string): string => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c);

function spell(trick: Trick): string {
  const flipped = [...trick.base].map((c, i) => (trick.flips[i] ? c.toUpperCase() : c));
  for (const at of trick.fullwidth) if (at < flipped.length) flipped[at] = fullwidthOf(flipped[at]!);
  const chars = [...flipped, ...trick.tail];
  for (const [at, mark] of trick.ignorables) chars.splice(Math.min(at, chars.length), 0, mark);
  return chars.join('');
}

/**
 * Whether git refuses the spelling, known from how it was built: a refused base, ASCII case changes only, and
 * either an NTFS tail (trailing periods and spaces, a stream) or the code points HFS+ ignores with nothing after.
 */
function knownBad(trick: Trick): boolean {
  if (!BAD_BASES.includes(trick.base) || trick.fullwidth.length > 0 || !NTFS_TAILS.includes(trick.tail)) return false;
  if (trick.ignorables.length === 0) return true;
  return trick.base.startsWith('.') && trick.tail === '' && trick.ignorables.every(([, mark]) => HFS_IGNORED.includes(mark));
}

let root: string;
let repoCount = 0;

function freshRepository(): string {
  const gitdir = path.join(root, `r${(repoCount += 1)}.git`);
  execFileSync('git', ['init', '--quiet', '--bare', gitdir]);
  return gitdir;
}

/** Every `error in tree X: id:` and `warning in tree X: id:` line of `git fsck --strict`, as tree -> ids. */
function fsck(gitdir: string): { status: number | null; stderr: string; byObject: Map<string, Set<string>> } {
  const run = spawnSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const byObject = new Map<string, Set<string>>();
  for (const match of run.stderr.matchAll(/^(?:error|warning) in \w+ ([0-9a-f]{40}): (\w+):/gm)) {
    const ids = byObject.get(match[1]!) ?? new Set<string>();
    ids.add(match[2]!);
    byObject.set(match[1]!, ids);
  }
  return { status: run.status, stderr: run.stderr, byObject };
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cairn-git-path-rules-'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe(`git-path-rules agree with git fsck --strict on every generated tree entry name (seed ${SEED})`, () => {
  /** What fsck says of a symbolic link by this name: one message per special name. */
  const SYMLINK_MESSAGES: Record<keyof GitSpecialNames, string> = {
    dotGit: 'hasDotgit',
    gitmodules: 'gitmodulesSymlink',
    gitattributes: 'gitattributesSymlink',
    gitignore: 'gitignoreSymlink',
    mailmap: 'mailmapSymlink',
  };

  /** HFS+ spellings: a dotfile's name, any case, with ignorable (or near-miss) code points anywhere. */
  const hfsArb = fc
    .record({
      base: fc.constantFrom('.git', '.gitmodules', '.gitattributes', '.gitignore', '.mailmap'),
      tail: fc.constantFrom('', '', '', '.', ' ', ':x'),
      flips: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
      fullwidth: fc.constant([]),
      ignorables: fc.array(
        fc.tuple(fc.nat(16), fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...HFS_IGNORED) }, { weight: 1, arbitrary: fc.constantFrom(...NOT_IGNORED) })),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
    })
    .map((trick) => Buffer.from(spell(trick), 'utf8'));

  const nameArb: fc.Arbitrary<Buffer> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(trickArb, fc.constantFrom('', '', '', 'a\\', 'x\\y\\')).map(([trick, before]) => Buffer.from(before + spell(trick), 'utf8')),
    },
    { weight: 2, arbitrary: hfsArb },
    {
      weight: 2,
      arbitrary: fc.tuple(trickArb, fc.nat(24), fc.constantFrom(...MALFORMED)).map(([trick, at, bad]) => {
        const name = Buffer.from(spell(trick), 'utf8');
        const cut = Math.min(at, name.length);
        return Buffer.concat([name.subarray(0, cut), Buffer.from(bad), name.subarray(cut)]);
      }),
    },
    // Random strings over the alphabet of the short-name and stream rules, to reach corners no list names.
    {
      weight: 2,
      arbitrary: fc.string({ unit: fc.constantFrom(...'.gitmodulesGIT~0123456789 :$\\abex'), minLength: 1, maxLength: 14 }).map((s) => Buffer.from(s, 'utf8')),
    },
  );

  it(`on ${NAMES} names, each a symbolic link in a tree of its own`, () => {
    const gitdir = freshRepository();
    const target = writeLoose(gitdir, 'blob', Buffer.from('target'));
    const expected = new Map<string, { name: Buffer; ids: Set<string> }>();
    const names = [
      ...['.git:x', '.GIT::$INDEX_ALLOCATION', 'git~1:foo', '.git:', 'GI7EBA~1', '~1234567', 'a\\.gitmodules'].map((s) => Buffer.from(s)),
      ...[...HFS_IGNORED, ...NOT_IGNORED].flatMap((mark) =>
        [`.g${mark}it`, `.git${mark}`, `${mark}.gitmodules`, `.mail${mark}map`, `.gitattributes${mark}`].map((s) => Buffer.from(s)),
      ),
      ...MALFORMED.flatMap((bad) => ['.git', '.gitmodules', '.g\u200Cit', '.gi'].map((s) => Buffer.concat([Buffer.from(s), Buffer.from(bad)]))),
      ...fc.sample(nameArb, { seed: SEED, numRuns: NAMES }),
    ].filter((name) => name.length > 0 && !name.includes(0x2f) && !name.includes(0));
    for (const name of names) {
      const tree = writeLoose(gitdir, 'tree', Buffer.concat([Buffer.from('120000 '), name, Buffer.from([0]), Buffer.from(target, 'hex')]));
      const special = gitSpecialNames(name);
      const ids = new Set((Object.keys(SYMLINK_MESSAGES) as (keyof GitSpecialNames)[]).filter((k) => special[k]).map((k) => SYMLINK_MESSAGES[k]));
      expected.set(tree, { name, ids });
    }

    const reported = fsck(gitdir).byObject;
    const judged = new Set(Object.values(SYMLINK_MESSAGES));
    const disagreements: string[] = [];
    for (const [tree, { name, ids }] of expected) {
      const fsckIds = [...(reported.get(tree) ?? [])].filter((id) => judged.has(id)).sort();
      const ours = [...ids].sort();
      if (fsckIds.join() !== ours.join())
        disagreements.push(`${JSON.stringify(name.toString('latin1'))} (${name.toString('hex')}): fsck [${fsckIds}], ours [${ours}]`);
    }
    expect(disagreements).toEqual([]);
    // The generator reaches every rule, often.
    for (const id of judged) expect([...expected.values()].filter((e) => e.ids.has(id)).length, id).toBeGreaterThan(50);
  });
});

describe(`document paths the rules accept are clean for git fsck --strict and verify_path (seed ${SEED})`, () => {
  const EXTENSIONS = ['.json', '.yaml', '.yml'];
  interface GeneratedPath {
    readonly path: string;
    readonly knownBad: boolean;
  }

  const segmentArb = fc.oneof(
    { weight: 3, arbitrary: trickArb.map((trick) => ({ text: spell(trick), knownBad: knownBad(trick) })) },
    { weight: 1, arbitrary: fc.constantFrom('conf', 'a', 'x y', 'ünï', '.hidden').map((text) => ({ text, knownBad: false })) },
  );
  const fileArb = fc.oneof(
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('app', 'a.b', '.gitignore', 'git~1', '.git.x'), fc.constantFrom(...EXTENSIONS))
        .map(([stem, ext]) => ({ text: stem + ext, knownBad: false })),
    },
    {
      // A stream of a refused name holds everything after the `:`, extension included.
      weight: 2,
      arbitrary: fc.tuple(trickArb, fc.constantFrom(':', '::$DATA:', ' . :'), fc.constantFrom(...EXTENSIONS)).map(([trick, stream, ext]) => {
        const plain = { ...trick, tail: '' };
        return { text: `${spell(plain)}${stream}x${ext}`, knownBad: knownBad(plain) && plain.ignorables.length === 0 };
      }),
    },
  );
  const pathArb: fc.Arbitrary<GeneratedPath> = fc.tuple(fc.array(segmentArb, { maxLength: 3 }), fileArb).map(([dirs, file]) => ({
    path: [...dirs.map((d) => d.text), file.text].join('/'),
    knownBad: dirs.some((d) => d.knownBad) || file.knownBad,
  }));

  /** A document git would choke on under a .gitmodules or .gitattributes name (submodule name, path, line length). */
  const HOSTILE_CONTENT = `[submodule "../x"]\n\tpath = -x\n# ${'a'.repeat(3000)}\n`;

  it(`on ${PATHS} paths: every accepted one passes git's own checks, every known-bad one is refused`, () => {
    const generated = [
      ...['.git:x/a.yaml', '.GIT::$INDEX_ALLOCATION/a.yaml', 'git~1:foo/a.yaml', 'x/.git:/a.yaml'].map((p) => ({ path: p, knownBad: true })),
      ...fc.sample(pathArb, { seed: SEED + 1, numRuns: PATHS }),
    ];
    const wronglyAccepted = generated.filter((g) => g.knownBad && isDocumentPath(g.path)).map((g) => g.path);
    expect(wronglyAccepted).toEqual([]);
    const accepted = [...new Set(generated.filter((g) => isDocumentPath(g.path)).map((g) => g.path))];
    expect(accepted.length).toBeGreaterThan(PATHS / 5);
    expect(generated.filter((g) => g.knownBad).length).toBeGreaterThan(PATHS / 5);

    // One tree with every accepted path, each under a folder of its own, written through git's index, which
    // applies verify_path (with the NTFS and HFS+ protections on) and prints "Ignoring path" for what it refuses.
    const gitdir = freshRepository();
    const env = {
      ...process.env,
      GIT_DIR: gitdir,
      GIT_INDEX_FILE: path.join(root, `index-${repoCount}`),
      GIT_AUTHOR_NAME: 'Paths',
      GIT_AUTHOR_EMAIL: 'paths@example.com',
      GIT_COMMITTER_NAME: 'Paths',
      GIT_COMMITTER_EMAIL: 'paths@example.com',
    };
    const git = (args: string[], input?: string): string =>
      execFileSync('git', ['-c', 'core.protectNTFS=true', '-c', 'core.protectHFS=true', ...args], {
        env,
        input,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    const blob = git(['hash-object', '-w', '--stdin'], HOSTILE_CONTENT).trim();
    const listed = accepted.map((p, i) => `p${i}/${p}`);
    const update = spawnSync('git', ['-c', 'core.protectNTFS=true', '-c', 'core.protectHFS=true', 'update-index', '--add', '-z', '--index-info'], {
      env,
      input: listed.map((p) => `100644 ${blob}\t${p}\0`).join(''),
      encoding: 'utf8',
    });
    expect(update.stderr).toBe('');
    expect(update.status).toBe(0);
    expect(git(['ls-files', '-z']).split('\0').filter(Boolean).sort()).toEqual([...listed].sort());
    const tree = git(['write-tree']).trim();
    const commit = git(['commit-tree', tree, '-m', 'generated paths'], '').trim();
    git(['update-ref', 'refs/heads/main', commit]);

    const result = fsck(gitdir);
    expect(result.stderr.split('\n').filter((line) => /^(error|warning)/.test(line))).toEqual([]);
    expect(result.status).toBe(0);
  });
});
