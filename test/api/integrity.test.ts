import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

const VIEWER = { token: 'viewer-token-123', name: 'Vic Viewer', email: 'vic@example.com', roles: { '*': 'viewer' as const } };
const VERIFY = `query($ns: String!) { verifyIntegrity(namespace: $ns) { __typename ... on IntegrityReport { ok objectsChecked refsChecked problems { kind subject message } } ... on Error { message } } }`;

interface Report {
  __typename: string;
  ok: boolean;
  objectsChecked: number;
  refsChecked: number;
  problems: { kind: string; subject: string; message: string }[];
}

describe('verifyIntegrity agrees with git fsck', () => {
  let h: Harness;
  const blobs: string[] = [];
  let gitdir: string;

  beforeEach(async () => {
    h = await startHarness({ tokens: [ADMIN, VIEWER] });
    await h.gql(CREATE_NAMESPACE, { name: 'vault' });
    gitdir = path.join(h.dataDir, 'vault.git');
    let version: string | null = null;
    for (let i = 0; i < 5; i += 1) {
      const res: { data: { putConfig: WriteResult } } = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
        input: { namespace: 'vault', path: 'secret.json', content: { i }, expectedVersion: version },
      });
      version = res.data.putConfig.version!.hash;
    }
    blobs.length = 0;
    blobs.push(
      ...h
        .git('vault', 'rev-list', '--objects', '--all')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]!),
    );
  });

  afterEach(() => h.close());

  const verify = async (): Promise<Report> => (await h.gql<{ verifyIntegrity: Report }>(VERIFY, { ns: 'vault' })).data.verifyIntegrity;
  const fsckPasses = (): boolean => {
    try {
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--full'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  it('is clean on a clean repository, checking every object git lists', async () => {
    const report = await verify();
    expect(report.ok).toBe(true);
    expect(report.objectsChecked).toBe(blobs.length);
    expect(report.refsChecked).toBe(1);
    expect(fsckPasses()).toBe(true);
  });

  it('finds an object whose content no longer matches its hash, as git fsck does', async () => {
    const blob = h.git('vault', 'rev-parse', 'HEAD:secret.json').trim();
    const file = path.join(gitdir, 'objects', blob.slice(0, 2), blob.slice(2));
    const forged = Buffer.from('{"i":999}\n');
    writeFileSync(file, deflateSync(Buffer.concat([Buffer.from(`blob ${forged.length}\0`), forged])));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'hash', subject: blob }));
    expect(fsckPasses()).toBe(false);
  });

  it('finds a truncated ref, as git fsck does', async () => {
    writeFileSync(path.join(gitdir, 'refs', 'heads', 'main'), 'a1b2c3\n');
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'ref', subject: 'refs/heads/main' }));
    expect(fsckPasses()).toBe(false);
  });

  it('finds a missing object, as git fsck does', async () => {
    const tree = h.git('vault', 'rev-parse', 'HEAD~2^{tree}').trim();
    const dir = path.join(gitdir, 'objects', tree.slice(0, 2));
    for (const name of readdirSync(dir)) if (name === tree.slice(2)) writeFileSync(path.join(dir, name), Buffer.alloc(0));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.subject === tree)).toBe(true);
    expect(fsckPasses()).toBe(false);
  });

  it('is for admins only', async () => {
    const res = await h.gql<{ verifyIntegrity: { __typename: string } }>(VERIFY, { ns: 'vault' }, VIEWER.token);
    expect(res.data.verifyIntegrity.__typename).toBe('Forbidden');
  });
});

/**
 * Trees written with git's plumbing, outside Cairn, holding what `git fsck --strict` refuses in tree entries: for
 * each, verifyIntegrity reports exactly the objects and fsck message ids that fsck reports as errors, and says ok
 * exactly when fsck passes. (What fsck only mentions as a warning under --strict, such as a .gitignore symlink or
 * mode 100664, does not fail it, and is not reported.)
 */
describe('verifyIntegrity reports what git fsck --strict reports in trees written outside Cairn', () => {
  let h: Harness;
  let count = 0;

  type Entry = readonly [mode: string, name: string | Buffer, oid: string];
  interface Outside {
    readonly gitdir: string;
    blob(text: string): string;
    /** A tree with exactly these entries, in this order: `git hash-object --literally` checks nothing. */
    tree(entries: readonly Entry[]): string;
  }
  interface Case {
    readonly label: string;
    readonly build: (o: Outside) => string;
    /** The fsck ids expected (a sanity check on the case itself; the comparison is with fsck's own output). */
    readonly ids: readonly string[];
  }

  const NULL_OID = '0'.repeat(40);
  const dir = (o: Outside, name: string | Buffer): string => o.tree([['40000', name, o.tree([['100644', 'a.yaml', o.blob('a: 1\n')]])]]);
  const file = (o: Outside, name: string | Buffer, mode = '100644'): string => o.tree([[mode, name, o.blob('a: 1\n')]]);

  const CASES: readonly Case[] = [
    { label: '.git:x/a.yaml', build: (o) => dir(o, '.git:x'), ids: ['hasDotgit'] },
    { label: '.GIT::$INDEX_ALLOCATION/a.yaml', build: (o) => dir(o, '.GIT::$INDEX_ALLOCATION'), ids: ['hasDotgit'] },
    { label: 'git~1:foo/a.yaml', build: (o) => dir(o, 'git~1:foo'), ids: ['hasDotgit'] },
    { label: 'x/.git:/a.yaml', build: (o) => o.tree([['40000', 'x', dir(o, '.git:')]]), ids: ['hasDotgit'] },
    { label: 'HFS+ .g<ZWNJ>it', build: (o) => file(o, '.g\u200Cit'), ids: ['hasDotgit'] },
    { label: '.git then malformed UTF-8', build: (o) => file(o, Buffer.from([0x2e, 0x67, 0x69, 0x74, 0xff])), ids: ['hasDotgit'] },
    { label: 'backslash a\\.git', build: (o) => file(o, 'a\\.git'), ids: ['hasDotgit'] },
    { label: '.', build: (o) => file(o, '.'), ids: ['hasDot'] },
    { label: '..', build: (o) => dir(o, '..'), ids: ['hasDotdot'] },
    { label: 'a slash in a name', build: (o) => file(o, 'a/b.yaml'), ids: ['fullPathname'] },
    {
      label: 'the same name twice',
      build: (o) =>
        o.tree([
          ['100644', 'a.yaml', o.blob('1')],
          ['100644', 'a.yaml', o.blob('2')],
        ]),
      ids: ['duplicateEntries'],
    },
    {
      label: 'a file and a folder of one name, not adjacent',
      build: (o) =>
        o.tree([
          ['100644', 'foo', o.blob('1')],
          ['100644', 'foo.bar', o.blob('2')],
          ['40000', 'foo', o.tree([['100644', 'x', o.blob('3')]])],
        ]),
      ids: ['duplicateEntries'],
    },
    {
      label: 'out of order',
      build: (o) =>
        o.tree([
          ['100644', 'b.yaml', o.blob('1')],
          ['100644', 'a.yaml', o.blob('2')],
        ]),
      ids: ['treeNotSorted'],
    },
    { label: 'zero-padded mode', build: (o) => o.tree([['040000', 'd', o.tree([['100644', 'x', o.blob('1')]])]]), ids: ['zeroPaddedFilemode'] },
    { label: 'null object id', build: (o) => o.tree([['100644', 'a.yaml', NULL_OID]]), ids: ['nullSha1'] },
    { label: '.gitmodules as a folder', build: (o) => dir(o, '.gitmodules'), ids: ['gitmodulesBlob'] },
    { label: 'GI7D29~1 (.gitattributes) as a folder', build: (o) => dir(o, 'GI7D29~1'), ids: ['gitattributesBlob'] },
    {
      label: '.gitattributes with a 3,000-byte line',
      build: (o) => o.tree([['100644', '.gitattributes', o.blob(`${'a'.repeat(3000)}\n`)]]),
      ids: ['gitattributesLineLength'],
    },
    { label: '.gitmodules as a symbolic link', build: (o) => file(o, '.gitmodules', '120000'), ids: ['gitmodulesSymlink'] },
    { label: '.gitmodules as a gitlink to a missing commit', build: (o) => o.tree([['160000', '.gitmodules', 'a'.repeat(40)]]), ids: ['gitmodulesMissing'] },
    // Warnings under --strict at most: fsck passes.
    { label: '.gitignore as a symbolic link', build: (o) => file(o, '.gitignore', '120000'), ids: [] },
    { label: 'mode 100664', build: (o) => file(o, 'a.yaml', '100664'), ids: [] },
    {
      label: 'git~2 and fullwidth .ｇit',
      build: (o) =>
        o.tree([
          ['100644', '.\uFF47it', o.blob('1')],
          ['100644', 'git~2', o.blob('2')],
        ]),
      ids: [],
    },
    { label: 'a .gitmodules blob git cannot parse', build: (o) => file(o, '.gitmodules'), ids: [] },
    {
      label: '.gitignore:x.yaml and .mailmap folders',
      build: (o) =>
        o.tree([
          ['100644', '.gitignore:x.yaml', o.blob('1')],
          ['40000', '.mailmap', dir(o, 'm')],
        ]),
      ids: [],
    },
  ];

  async function outsideRepository(): Promise<Outside> {
    const ns = `outside-${(count += 1)}`;
    expect((await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: ns })).data.createNamespace.__typename).toBe('Namespace');
    const gitdir = path.join(h.dataDir, `${ns}.git`);
    const hashObject = (args: string[], input: Buffer | string): string =>
      execFileSync('git', ['--git-dir', gitdir, 'hash-object', '-w', ...args, '--stdin'], { input, encoding: 'utf8' }).trim();
    return {
      gitdir,
      blob: (text) => hashObject([], text),
      tree: (entries) =>
        hashObject(
          ['-t', 'tree', '--literally'],
          Buffer.concat(entries.flatMap(([mode, name, oid]) => [Buffer.from(`${mode} `), Buffer.from(name), Buffer.from([0]), Buffer.from(oid, 'hex')])),
        ),
    };
  }

  /** fsck's errors as "<object> <id>" (warnings do not fail --strict), and whether it passed. */
  const fsckErrors = (gitdir: string): { passes: boolean; errors: string[] } => {
    let stderr = '';
    let passes = true;
    try {
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      passes = false;
      stderr = String((error as { stderr?: string }).stderr ?? '');
    }
    const errors = [...stderr.matchAll(/^error in \w+ ([0-9a-f]{40}): (\w+):/gm)].map((m) => `${m[1]} ${m[2]}`);
    return { passes, errors: [...new Set(errors)].sort() };
  };

  /** The objects missing from the repository are the walk's business (kind "missing"), not the tree checks'. */
  const treeErrors = (errors: readonly string[]): string[] => errors.filter((e) => !/ (missingBlob|missingTree|missingCommit)$/.test(e));

  it(`${CASES.length} trees: the same objects and fsck ids, and ok exactly when fsck passes`, async () => {
    h = await startHarness({ tokens: [ADMIN] });
    const disagreements: string[] = [];
    try {
      for (const testCase of CASES) {
        const o = await outsideRepository();
        const commit = execFileSync('git', ['--git-dir', o.gitdir, 'commit-tree', testCase.build(o), '-m', 'written outside Cairn'], {
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'Out',
            GIT_AUTHOR_EMAIL: 'out@example.com',
            GIT_COMMITTER_NAME: 'Out',
            GIT_COMMITTER_EMAIL: 'out@example.com',
          },
        }).trim();
        execFileSync('git', ['--git-dir', o.gitdir, 'update-ref', 'refs/heads/outside', commit]);

        const fsck = fsckErrors(o.gitdir);
        const report = (await h.gql<{ verifyIntegrity: Report }>(VERIFY, { ns: path.basename(o.gitdir, '.git') })).data.verifyIntegrity;
        const ours = [...new Set(report.problems.filter((p) => p.kind === 'tree').map((p) => `${p.subject} ${p.message.split(':')[0]}`))].sort();
        const expectedIds = [...testCase.ids].sort().join();
        const fsckIds = [...new Set(treeErrors(fsck.errors).map((e) => e.split(' ')[1]))].sort().join();
        if (fsckIds !== expectedIds) disagreements.push(`${testCase.label}: the case expects [${expectedIds}], git fsck says [${fsckIds}]`);
        if (ours.join() !== treeErrors(fsck.errors).join())
          disagreements.push(`${testCase.label}: fsck [${treeErrors(fsck.errors)}], verifyIntegrity [${ours}]`);
        if (report.ok !== fsck.passes) disagreements.push(`${testCase.label}: fsck passes ${fsck.passes}, verifyIntegrity ok ${report.ok}`);
      }
    } finally {
      await h.close();
    }
    expect(disagreements).toEqual([]);
  }, 120_000);
});
