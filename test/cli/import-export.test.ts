import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { type CliResult, json, runCli } from './cli-process.js';
import { ADMIN, EDITOR } from '../support/tokens.js';

const DOCUMENT = /\.(json|ya?ml)$/;

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_COMMITTER_NAME: 'Source Committer', GIT_COMMITTER_EMAIL: 'committer@example.com', ...env },
  });
}

/** A commit by `author` at `date` (ISO 8601 with its offset) in the source repository. */
function commit(repo: string, author: string, date: string, message: string, extra: string[] = []): void {
  const [name, email] = author.split('|') as [string, string];
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '--allow-empty', '-m', message, ...extra], {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  });
}

function write(repo: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), content);
}

/**
 * A history with what an import must handle: several authors and time zones (+05:30, -08:00, +09:45, -03:30), YAML
 * comments, CRLF and non-ASCII text, files that are not documents, a commit touching none, a merge (only its
 * first-parent diff counts), a symlink with a document name, and a rename (a delete and an add).
 */
/** A new repository with an unborn main, to build a source history in. */
function emptyRepository(root: string, name: string): string {
  const repo = path.join(root, name);
  mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  return repo;
}

function sourceRepository(root: string): { repo: string; imported: string[] } {
  const repo = emptyRepository(root, 'source');
  write(repo, 'services/api.json', '{\n  "replicas": 2,\n  "owner": "équipe paiements"\n}\n');
  write(repo, 'config/base.yaml', '# shared defaults\r\ntimeout: 30 # seconds\r\n');
  write(repo, 'README.md', '# configuration\n');
  commit(repo, 'Ann Example|ann@example.com', '2020-01-02T03:04:05+05:30', 'first configuration\n\nwith a body');
  write(repo, 'services/api.json', '{\n  "replicas": 4,\n  "owner": "équipe paiements"\n}\n');
  write(repo, 'scripts/deploy.sh', 'echo deploy\n');
  commit(repo, 'Bob Example|bob@example.com', '2021-06-07T08:09:10-08:00', 'scale the API');
  write(repo, 'README.md', '# configuration\n\nread me\n');
  commit(repo, 'Ann Example|ann@example.com', '2022-01-01T00:00:00+00:00', 'docs only');
  git(repo, ['checkout', '-q', '-b', 'feature']);
  write(repo, 'services/feature.yaml', 'enabled: true\n');
  commit(repo, 'Cy Example|cy@example.com', '2022-03-01T10:00:00+09:45', 'feature flag (on the branch)');
  git(repo, ['checkout', '-q', 'main']);
  write(repo, 'config/base.yaml', '# shared defaults\r\ntimeout: 45 # seconds\r\n');
  commit(repo, 'Dee Example|dee@example.com', '2022-03-02T11:00:00+01:00', 'longer timeout');
  git(repo, ['merge', '-q', '--no-ff', 'feature', '-m', 'merge the feature flag'], {
    GIT_AUTHOR_NAME: 'Eve Example',
    GIT_AUTHOR_EMAIL: 'eve@example.com',
    GIT_AUTHOR_DATE: '2022-03-03T12:00:00-03:30',
    GIT_COMMITTER_DATE: '2022-03-03T12:00:00-03:30',
  });
  symlinkSync('services/api.json', path.join(repo, 'link.json'));
  commit(repo, 'Gus Example|gus@example.com', '2022-04-01T00:00:00+00:00', 'a symlink');
  unlinkSync(path.join(repo, 'services/api.json'));
  git(repo, ['mv', 'config/base.yaml', 'config/main.yaml']);
  commit(repo, 'Fay Example|fay@example.com', '2023-05-06T07:08:09+02:00', 'retire the API, rename the base');
  return { repo, imported: ['first configuration', 'scale the API', 'longer timeout', 'merge the feature flag', 'retire the API, rename the base'] };
}

/** Document paths and blob ids of a commit's tree: equal blob ids mean equal bytes. */
function documents(gitDir: string[], commitish: string): string[] {
  return execFileSync('git', [...gitDir, 'ls-tree', '-r', commitish], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('100') && DOCUMENT.test(line))
    .map((line) => line.replace(/^\d+ blob /, ''))
    .sort();
}

/** Every file under `dir` with its content, relative paths sorted. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[path.relative(dir, path.join(entry.parentPath, entry.name))] = readFileSync(path.join(entry.parentPath, entry.name), 'latin1');
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('cairn import and export', () => {
  let h: Harness;
  let root: string;
  let cli: (args: string[], token?: string) => Promise<CliResult>;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR] });
    root = mkdtempSync(path.join(tmpdir(), 'cairn-cli-import-'));
    cli = (args, token = ADMIN.token) => runCli(args, { url: h.url, token });
  });

  afterAll(async () => {
    await h.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('imports a Git repository with its first-parent history: authors, times and time zones kept, documents byte for byte', async () => {
    const { repo, imported } = sourceRepository(root);
    // A prefix first, in batches of two, then the whole history: what landed is replayed, the rest continues.
    const prefix = await cli(['--json', 'import', 'legacy', '--git', repo, '--ref', 'HEAD~1', '--batch-size', '2']);
    expect(prefix.code, prefix.stderr).toBe(0);
    expect(json(prefix)).toMatchObject({ namespace: 'legacy', committed: 4, replayed: 0, skippedCommits: 2 });
    const whole = await cli(['--json', 'import', 'legacy', '--git', repo]);
    expect(whole.code, whole.stderr).toBe(0);
    const result = json<{ head: string; committed: number; replayed: number; sourceCommits: number; skippedCommits: number; skippedPaths: string[] }>(whole);
    expect(result).toMatchObject({ committed: 1, replayed: 4, unchanged: 0, sourceCommits: 7, skippedCommits: 2 });
    expect(result.skippedPaths).toEqual(['README.md', 'link.json', 'scripts/deploy.sh']);

    const format = '--format=%an|%ae|%at|%ai|%s';
    const source = git(repo, ['log', '--first-parent', '--reverse', format]).trim().split('\n');
    const expected = source.filter((line) => imported.includes(line.split('|').at(-1)!));
    expect(expected).toHaveLength(imported.length);
    expect(h.git('legacy', 'log', '--reverse', format).trim().split('\n')).toEqual(expected);
    expect(result.head).toBe(h.git('legacy', 'rev-parse', 'main').trim());

    // Cairn's committer and trailers; the importer recorded, the original author kept.
    const last = h.git('legacy', 'log', '-1', '--format=%cn|%B');
    expect(last).toContain('Cairn|retire the API, rename the base');
    expect(last).toContain('Cairn-Action: import');
    expect(last).toContain(`Cairn-Imported-By: ${ADMIN.name} <${ADMIN.email}>`);
    expect(last).toContain('Cairn-Operator-IP: 127.0.0.1');
    expect(h.git('legacy', 'log', '--format=%B', '--reverse').split('Cairn-Action')[0]).toContain('first configuration\n\nwith a body');

    // Each imported commit has exactly the source commit's documents (same blob ids: same bytes).
    const sourceCommits = git(repo, ['log', '--first-parent', '--reverse', '--format=%H %s']).trim().split('\n');
    const importedCommits = h.git('legacy', 'rev-list', '--reverse', 'main').trim().split('\n');
    const matching = sourceCommits.filter((line) => imported.includes(line.slice(41))).map((line) => line.slice(0, 40));
    for (const [i, oid] of matching.entries()) {
      expect(documents(['--git-dir', path.join(h.dataDir, 'legacy.git')], importedCommits[i]!)).toEqual(documents(['-C', repo], oid));
    }
    execFileSync('git', ['--git-dir', path.join(h.dataDir, 'legacy.git'), 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8' });

    const again = json(await cli(['--json', 'import', 'legacy', '--git', repo]));
    expect(again).toMatchObject({ committed: 0, replayed: 5 });
    expect(h.git('legacy', 'rev-list', '--count', 'main').trim()).toBe('5');
  });

  it('refuses a history import to a non-admin (exit 5) and a ref the repository lacks (exit 2)', async () => {
    const repo = path.join(root, 'source');
    await h.gql(CREATE_NAMESPACE, { name: 'legacy-3' }, ADMIN.token);
    // All four are refused before anything is written: they run side by side.
    const [editor, forbidden, badRef, nothing] = await Promise.all([
      cli(['--json', 'import', 'legacy-2', '--git', repo], EDITOR.token),
      cli(['--json', 'import', 'legacy-3', '--git', repo], EDITOR.token),
      cli(['import', 'legacy-3', '--git', repo, '--ref', 'no-such-branch']),
      cli(['import', 'legacy-3']),
    ]);
    expect(editor.code).toBe(5);
    expect(forbidden.code).toBe(5);
    expect(json<{ error: { type: string; requiredRole: string } }>(forbidden).error).toMatchObject({ type: 'Forbidden', requiredRole: 'admin' });
    expect(badRef.code).toBe(2);
    expect(nothing.code).toBe(2);
  });

  it('stops at a document the server refuses, keeps what landed, and continues once the source is fixed', async () => {
    const repo = emptyRepository(root, 'broken-source');
    write(repo, 'a.json', '{"a": 1}\n');
    commit(repo, 'Ann Example|ann@example.com', '2020-01-01T00:00:00+00:00', 'good');
    write(repo, 'b.json', '{"b": ');
    commit(repo, 'Bob Example|bob@example.com', '2020-01-02T00:00:00+00:00', 'broken');
    const failed = await cli(['--json', 'import', 'broken', '--git', repo]);
    expect(failed.code).toBe(2);
    expect(json<{ error: { type: string; path: string; message: string } }>(failed).error).toMatchObject({
      type: 'InvalidDocument',
      path: 'b.json',
      message: expect.stringContaining('run the same import again'),
    });
    expect(h.git('broken', 'log', '--format=%s').trim()).toBe('good');
    // History cannot be edited in place here: a fixed branch sharing the good commit continues from it.
    git(repo, ['reset', '-q', '--hard', 'HEAD~1']);
    write(repo, 'b.json', '{"b": 2}\n');
    commit(repo, 'Bob Example|bob@example.com', '2020-01-02T00:00:00+00:00', 'fixed');
    const resumed = await cli(['--json', 'import', 'broken', '--git', repo]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(json(resumed)).toMatchObject({ committed: 1, replayed: 1 });
    expect(h.git('broken', 'log', '--format=%s').trim().split('\n')).toEqual(['fixed', 'good']);
  });

  it('imports a directory as one version, skipping other files, and prunes what the directory lacks', async () => {
    const dir = path.join(root, 'dir');
    write(dir, 'a.json', '{"a": 1}\n');
    write(dir, 'nested/b.yaml', '# kept comment\r\nb: 2\r\n');
    write(dir, 'notes.txt', 'not a document\n');
    write(dir, 'nested/c.yml', 'c: [1, 2]\n');
    symlinkSync('a.json', path.join(dir, 'link.json'));
    const first = await cli(['--json', 'import', 'flat', dir, '-m', 'from a directory']);
    expect(first.code, first.stderr).toBe(0);
    expect(json(first)).toMatchObject({
      namespace: 'flat',
      documents: 3,
      deleted: [],
      skipped: [
        { path: 'link.json', reason: 'not a regular file' },
        { path: 'notes.txt', reason: expect.any(String) },
      ],
      write: { status: 'COMMITTED', version: { action: 'CREATE', comment: 'from a directory' } },
    });
    expect(h.git('flat', 'rev-list', '--count', 'main').trim()).toBe('1');
    for (const file of ['a.json', 'nested/b.yaml', 'nested/c.yml']) {
      expect(h.git('flat', 'rev-parse', `main:${file}`).trim()).toBe(execFileSync('git', ['hash-object', path.join(dir, file)], { encoding: 'utf8' }).trim());
    }

    unlinkSync(path.join(dir, 'nested/c.yml'));
    write(dir, 'a.json', '{"a": 2}\n');
    const human = await cli(['import', 'flat', dir]);
    expect(human.code).toBe(0);
    expect(human.stderr).toContain('skipped notes.txt');
    expect(h.git('flat', 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['a.json', 'nested/b.yaml', 'nested/c.yml']);
    const pruned = json(await cli(['--json', 'import', 'flat', dir, '--prune']));
    expect(pruned).toMatchObject({ deleted: ['nested/c.yml'], write: { status: 'COMMITTED' } });
    expect(h.git('flat', 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['a.json', 'nested/b.yaml']);
    expect(json(await cli(['--json', 'import', 'flat', dir, '--prune']))).toMatchObject({ write: { status: 'UNCHANGED' } });
  });

  it('exports a namespace at any version to a directory or tarball, equal byte for byte to git archive', async () => {
    const gitDir = path.join(h.dataDir, 'legacy.git');
    const refs = ['main', 'main~3'];
    const tarballs = ['export.tar', 'export.tar.gz'];
    // Exports only read the namespace, each into a target of its own: all of them run side by side.
    const [exported, unknownVersion, unknownNamespace] = await Promise.all([
      Promise.all(
        refs.map((ref) =>
          Promise.all([
            cli(['--json', 'export', 'legacy', path.join(root, `export-${ref}`), '--at', ref]),
            ...tarballs.map((name) => cli(['export', 'legacy', path.join(root, `${ref}-${name}`), '--at', ref])),
          ]),
        ),
      ),
      cli(['export', 'legacy', path.join(root, 'x.tar'), '--at', 'nope']),
      cli(['export', 'missing', path.join(root, 'y.tar')]),
    ]);
    for (const [i, ref] of refs.entries()) {
      const archived = path.join(root, `archive-${ref}`);
      mkdirSync(archived);
      execFileSync('sh', ['-c', `git --git-dir '${gitDir}' archive '${ref}' | tar -x -C '${archived}'`]);
      const expected = tree(archived);
      expect(Object.keys(expected).length).toBeGreaterThan(0);

      const dir = path.join(root, `export-${ref}`);
      const [toDir, ...toTarballs] = exported[i]!;
      expect(toDir!.code, toDir!.stderr).toBe(0);
      expect(json(toDir!)).toMatchObject({ kind: 'directory', documents: Object.keys(expected).length, version: h.git('legacy', 'rev-parse', ref).trim() });
      expect(tree(dir)).toEqual(expected);

      for (const [j, name] of tarballs.entries()) {
        const file = path.join(root, `${ref}-${name}`);
        const result = toTarballs[j]!;
        expect(result.code, result.stderr).toBe(0);
        const listed = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n').sort();
        expect(listed).toEqual(Object.keys(expected).sort());
        const extracted = path.join(root, `extracted-${ref}-${name}`);
        mkdirSync(extracted);
        execFileSync('tar', ['-xf', file, '-C', extracted]);
        expect(tree(extracted)).toEqual(expected);
      }
    }
    const notEmpty = await cli(['export', 'legacy', path.join(root, 'export-main')]);
    expect(notEmpty.code).toBe(2);
    expect(unknownVersion.code).toBe(3);
    expect(unknownNamespace.code).toBe(3);
  });

  it('writes tarballs that are the same whatever the umask, never through a symlink, and refuses targets it cannot write (exit 2)', async () => {
    const dir = path.join(root, 'tarball-source');
    mkdirSync(path.join(dir, 'nested'), { recursive: true });
    writeFileSync(path.join(dir, 'a.json'), '{"a": 1}\n');
    writeFileSync(path.join(dir, 'nested/b.yaml'), 'b: 2\n');
    expect((await cli(['import', 'tarballs', dir])).code).toBe(0);

    // The tarball is built in memory: no staging directory is written and read back, so none is needed.
    const noTemp = path.join(root, 'no-temp.tar');
    const withoutTemp = await runCli(['export', 'tarballs', noTemp], { url: h.url, token: ADMIN.token, env: { TMPDIR: path.join(root, 'no-such-tmp') } });
    expect(withoutTemp.code, withoutTemp.stderr).toBe(0);
    expect(execFileSync('tar', ['-tf', noTemp], { encoding: 'utf8' })).toBe('a.json\nnested/b.yaml\n');

    const relaxed = path.join(root, 'relaxed.tar');
    const strict = path.join(root, 'strict.tar');
    const exports = await Promise.all([
      runCli(['export', 'tarballs', relaxed], { url: h.url, token: ADMIN.token, umask: '022' }),
      runCli(['export', 'tarballs', strict], { url: h.url, token: ADMIN.token, umask: '077' }),
    ]);
    expect(exports.map((result) => result.code)).toEqual([0, 0]);
    expect(readFileSync(strict).equals(readFileSync(relaxed))).toBe(true);
    expect(execFileSync('tar', ['-tvf', strict], { encoding: 'utf8' })).toMatch(/^-rw-r--r-- 0\/0 .* a\.json\n-rw-r--r-- 0\/0 .* nested\/b\.yaml\n$/);

    // An existing tarball is replaced; a symlink in its place is refused, and the file it points to left alone.
    writeFileSync(strict, 'an older export');
    const victim = path.join(root, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, path.join(root, 'link.tar'));
    // A directory target that is a dangling symlink, like any target that cannot be written, is a usage error.
    symlinkSync(path.join(root, 'no-such-place'), path.join(root, 'dangling'));
    // Each has a target of its own: they run side by side.
    const [replaced, throughLink, dangling, nowhere] = await Promise.all([
      cli(['export', 'tarballs', strict]),
      cli(['--json', 'export', 'tarballs', path.join(root, 'link.tar')]),
      cli(['export', 'tarballs', path.join(root, 'dangling')]),
      cli(['export', 'tarballs', path.join(root, 'no/such/dir/out.tar.gz')]),
    ]);
    expect(replaced.code).toBe(0);
    expect(readFileSync(strict).equals(readFileSync(relaxed))).toBe(true);
    expect(throughLink.code).toBe(2);
    expect(json(throughLink)).toMatchObject({ error: { type: 'Usage', exitCode: 2 } });
    expect(readFileSync(victim, 'utf8')).toBe('precious');

    expect(dangling.code, dangling.stderr).toBe(2);
    expect(dangling.stderr).toMatch(/^cairn: cannot use .*dangling/);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/^cairn: cannot write .*out\.tar\.gz.*ENOENT/);
    expect(readdirSync(root).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('splits history batches the server refuses as too large (413), down to one commit; a commit too large alone stops the import (exit 2)', async () => {
    const small = await startHarness({ tokens: [ADMIN], env: { CAIRN_MAX_BODY_BYTES: String(64 * 1024) } });
    try {
      const repo = emptyRepository(root, 'bulky');
      for (let k = 0; k < 8; k += 1) {
        write(repo, `doc-${k}.json`, `${JSON.stringify({ k, padding: 'p'.repeat(20 * 1024) })}\n`);
        commit(repo, 'Ann Example|ann@example.com', `2020-01-0${k + 1}T00:00:00+00:00`, `bulky ${k}`);
      }
      const run = (): Promise<CliResult> => runCli(['--json', 'import', 'bulky', '--git', repo], { url: small.url, token: ADMIN.token });
      const split = await run();
      expect(split.code, split.stdout + split.stderr).toBe(0);
      expect(json(split)).toMatchObject({ committed: 8, sourceCommits: 8 });
      expect(documents(['--git-dir', path.join(small.dataDir, 'bulky.git')], 'main')).toEqual(documents(['-C', repo], 'main'));

      write(repo, 'huge.json', `${JSON.stringify({ padding: 'h'.repeat(100 * 1024) })}\n`);
      commit(repo, 'Bob Example|bob@example.com', '2020-02-01T00:00:00+00:00', 'too large for the server');
      const tooLarge = await run();
      expect(tooLarge.code).toBe(2);
      expect(json<{ error: { type: string; message: string } }>(tooLarge).error).toMatchObject({ type: 'PayloadTooLarge' });
      expect(json<{ error: { message: string } }>(tooLarge).error.message).toMatch(/CAIRN_MAX_BODY_BYTES/);
      expect(small.git('bulky', 'rev-list', '--count', 'main').trim()).toBe('8');
    } finally {
      await small.close();
    }
  });

  it('runs an import again after the source grew, when the history has a commit that only changed a file mode', async () => {
    const repo = emptyRepository(root, 'modes');
    write(repo, 'a.json', '{"v": 1}\n');
    commit(repo, 'Ann Example|ann@example.com', '2020-01-01T00:00:00+00:00', 'add');
    chmodSync(path.join(repo, 'a.json'), 0o755);
    commit(repo, 'Ann Example|ann@example.com', '2020-01-02T00:00:00+00:00', 'executable, same content');
    write(repo, 'a.json', '{"v": 2}\n');
    commit(repo, 'Bob Example|bob@example.com', '2020-01-03T00:00:00+00:00', 'change');
    const first = await cli(['--json', 'import', 'modes', '--git', repo]);
    expect(first.code, first.stdout).toBe(0);
    expect(json(first)).toMatchObject({ committed: 2, sourceCommits: 3 });

    write(repo, 'a.json', '{"v": 3}\n');
    commit(repo, 'Cy Example|cy@example.com', '2020-01-04T00:00:00+00:00', 'later');
    const again = await cli(['--json', 'import', 'modes', '--git', repo]);
    expect(again.code, again.stdout).toBe(0);
    expect(json(again)).toMatchObject({ committed: 1, replayed: 2, unchanged: 0 });
    // A mode is not part of a document: that commit touched no document.
    expect(json(first)).toMatchObject({ unchanged: 0, skippedCommits: 1 });
    expect(h.git('modes', 'log', '--format=%s').trim().split('\n')).toEqual(['later', 'change', 'add']);
  });

  it('says why a directory import skipped a file: the rule of document paths it breaks', async () => {
    const dir = path.join(root, 'refused-names');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'ok.json'), '{}\n');
    writeFileSync(path.join(dir, 'cafe\u0301.json'), '{}\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'x\n');
    const result = await cli(['--json', 'import', 'refused-names', dir]);
    expect(result.code, result.stdout).toBe(0);
    const skipped = json<{ skipped: { path: string; reason: string }[] }>(result).skipped;
    expect(skipped).toEqual([
      { path: 'cafe\u0301.json', reason: expect.stringMatching(/normalization form C/) },
      { path: 'notes.txt', reason: expect.stringMatching(/\.json, \.yaml and \.yml/) },
    ]);
  });

  it('refuses to continue an import on top of other writes (exit 4), and says that running it again will not help', async () => {
    const repo = emptyRepository(root, 'moved');
    write(repo, 'a.json', '{"v": 1}\n');
    commit(repo, 'Ann Example|ann@example.com', '2020-01-01T00:00:00+00:00', 'first');
    expect((await cli(['import', 'moved', '--git', repo])).code).toBe(0);
    const other = path.join(root, 'moved-other.json');
    writeFileSync(other, '{"other": true}\n');
    expect((await cli(['put', 'moved', 'other.json', other])).code).toBe(0);
    write(repo, 'a.json', '{"v": 2}\n');
    commit(repo, 'Ann Example|ann@example.com', '2020-01-02T00:00:00+00:00', 'second');
    const again = await cli(['--json', 'import', 'moved', '--git', repo]);
    expect(again.code).toBe(4);
    const error = json<{ error: { type: string; message: string } }>(again).error;
    expect(error.type).toBe('VersionConflict');
    expect(error.message).toMatch(/committed .* after the imported history/);
    expect(error.message).not.toMatch(/run the same import again/);
  });
});
