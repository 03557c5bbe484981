import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { freePort } from '../support/free-port.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { type CliResult, RunningCli, json, runCli, spawnCli, until } from './cli-process.js';
import { ADMIN, VIEWER } from '../support/tokens.js';

/** YAML with a comment and CRLF line ends: stored and printed byte for byte. */
const FIRST = '# limits of the API\r\nreplicas: 3\r\nimage: api:1.0\r\n';
const SECOND = '# limits of the API\r\nreplicas: 5\r\nimage: api:1.0\r\n';

interface WriteJson {
  status: string;
  version: { hash: string; action: string; operator: { email: string }; requestId: string | null } | null;
  base: { hash: string } | null;
  files: { path: string; status: string; changes: { pointer: string; op: string; oldValue: unknown; newValue: unknown }[] }[];
}

interface ErrorJson {
  error: { type: string; message: string; exitCode: number } & Record<string, unknown>;
}

describe('cairn CLI commands against a real server', () => {
  let h: Harness;
  let cli: (args: string[], options?: { token?: string | null; input?: string; url?: string }) => Promise<CliResult>;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, VIEWER] });
    cli = (args, options = {}) =>
      runCli(args, {
        url: options.url ?? h.url,
        token: options.token === undefined ? ADMIN.token : options.token,
        ...(options.input !== undefined ? { input: options.input } : {}),
      });
    await h.gql(CREATE_NAMESPACE, { name: 'app' });
  });

  afterAll(() => h.close());

  it('puts from stdin and gets the content back byte for byte, with conflicts and replays told apart', async () => {
    const created = await cli(['--json', 'put', 'app', 'limits.yaml', '-', '-m', 'first limits', '--request-id', 'cli-1'], { input: FIRST });
    expect(created.code, created.stderr).toBe(0);
    const first = json<WriteJson>(created);
    expect(first).toMatchObject({ status: 'COMMITTED', version: { action: 'CREATE', operator: { email: ADMIN.email }, requestId: 'cli-1' } });
    expect(first.version!.hash).toBe(h.git('app', 'rev-parse', 'main').trim());
    expect(h.git('app', 'cat-file', 'blob', 'main:limits.yaml')).toBe(FIRST);

    const replay = await cli(['--json', 'put', 'app', 'limits.yaml', '-', '-m', 'first limits', '--request-id', 'cli-1'], { input: FIRST });
    expect(replay.code).toBe(0);
    expect(json<WriteJson>(replay)).toMatchObject({ status: 'REPLAYED', version: { hash: first.version!.hash } });
    // The key is bound to its request: the same key with another comment is another request, a conflict (exit 4).
    const reused = await cli(['--json', 'put', 'app', 'limits.yaml', '-', '--request-id', 'cli-1'], { input: FIRST });
    expect(reused.code).toBe(4);
    expect(json<ErrorJson>(reused).error).toMatchObject({ type: 'IdempotencyKeyReused', exitCode: 4 });
    expect(h.git('app', 'rev-parse', 'main').trim()).toBe(first.version!.hash);

    // Without --expect the document must not exist yet: a second put is a conflict (exit 4), with the current version.
    const conflict = await cli(['--json', 'put', 'app', 'limits.yaml', '-'], { input: SECOND });
    expect(conflict.code).toBe(4);
    expect(json<ErrorJson>(conflict).error).toMatchObject({
      type: 'VersionConflict',
      exitCode: 4,
      currentVersion: first.version!.hash,
      paths: ['limits.yaml'],
    });

    const updated = await cli(['--json', 'put', 'app', 'limits.yaml', '-', '--expect', first.version!.hash, '-m', 'scale up'], { input: SECOND });
    expect(updated.code, updated.stderr).toBe(0);
    expect(json<WriteJson>(updated).files).toEqual([
      expect.objectContaining({ path: 'limits.yaml', status: 'MODIFIED', changes: [{ pointer: '/replicas', op: 'REPLACE', oldValue: 3, newValue: 5 }] }),
    ]);
    const stale = await cli(['put', 'app', 'limits.yaml', '-', '--expect', first.version!.hash], { input: FIRST });
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/version conflict.*\(VersionConflict\)/);

    // Reads change nothing: they run side by side.
    const [now, then, asJsonResult] = await Promise.all([
      cli(['get', 'app', 'limits.yaml']),
      cli(['get', 'app', 'limits.yaml', '--at', first.version!.hash]),
      cli(['--json', 'get', 'app', 'limits.yaml']),
    ]);
    expect(now).toMatchObject({ code: 0, stdout: SECOND });
    expect(then).toMatchObject({ code: 0, stdout: FIRST });
    const asJson = json(asJsonResult);
    expect(asJson).toMatchObject({ namespace: 'app', path: 'limits.yaml', format: 'YAML', text: SECOND, content: { replicas: 5, image: 'api:1.0' } });
  });

  it('lists history, diff and audit as --json and as tables', async () => {
    const revs = h.git('app', 'rev-list', 'main').trim().split('\n');
    // Reads change nothing: they run side by side.
    const [historyResult, limitedResult, diffResult, human, auditResult, table, namespacesResult] = await Promise.all([
      cli(['--json', 'history', 'app', '--limit', '10']),
      cli(['--json', 'history', 'app', '--path', 'limits.yaml', '--limit', '1']),
      cli(['--json', 'diff', 'app', 'HEAD~1']),
      cli(['diff', 'app', 'HEAD~1', 'HEAD', '--path', 'limits.yaml']),
      cli(['--json', 'audit', 'app', '--operator', ADMIN.email, '--action', 'update', '--since', '2000-01-01']),
      cli(['audit', 'app']),
      cli(['--json', 'namespaces']),
    ]);
    const history = json<{ hash: string; action: string }[]>(historyResult);
    expect(history.map((v) => v.hash)).toEqual(revs);
    const limited = json<unknown[]>(limitedResult);
    expect(limited).toHaveLength(1);

    const diff = json<{ from: string; to: string; files: WriteJson['files'] }>(diffResult);
    expect(diff).toMatchObject({ from: revs[1], to: revs[0], files: [{ path: 'limits.yaml', status: 'MODIFIED' }] });
    expect(human.code).toBe(0);
    // Plain (not a terminal): no escape codes, the unified diff as is.
    expect(human.stdout).toContain('-replicas: 3');
    expect(human.stdout).toContain('+replicas: 5');
    expect(human.stdout).not.toContain('\u001b[');

    const audit = json<{ version: { hash: string }; action: string; operator: { email: string }; operatorIp: string }[]>(auditResult);
    expect(audit).toEqual([
      expect.objectContaining({
        version: expect.objectContaining({ hash: revs[0] }),
        action: 'UPDATE',
        operator: expect.objectContaining({ email: ADMIN.email }),
        operatorIp: '127.0.0.1',
      }),
    ]);
    expect(table.stdout.split('\n')[0]).toMatch(/^VERSION\s+TIME\s+ACTION\s+OPERATOR\s+IP\s+PATHS\s+COMMENT$/);
    expect(table.stdout).toContain('scale up');

    const namespaces = json<{ name: string; versions: number; head: string }[]>(namespacesResult);
    expect(namespaces).toContainEqual({ name: 'app', versions: revs.length, head: revs[0], updatedAt: expect.any(String) });
  });

  it('previews and commits a rollback, and reports a revert conflict with exit 4', async () => {
    const before = h.git('app', 'rev-list', '--count', 'main').trim();
    const preview = json<WriteJson>(await cli(['--json', 'rollback', 'app', '--to', 'HEAD~1', '--dry-run']));
    expect(preview).toMatchObject({ status: 'PREVIEW', version: null, files: [{ path: 'limits.yaml', status: 'MODIFIED' }] });
    expect(h.git('app', 'rev-list', '--count', 'main').trim()).toBe(before);
    const target = h.git('app', 'rev-parse', 'HEAD~1').trim();
    const scaleUp = h.git('app', 'rev-parse', 'HEAD').trim();

    const rolled = await cli(['--json', 'rollback', 'app', '--to', 'HEAD~1', '--paths', 'limits.yaml', '-m', 'back to 3']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(json<WriteJson>(rolled)).toMatchObject({ status: 'COMMITTED', version: { action: 'ROLLBACK' } });
    expect(h.git('app', 'log', '-1', '--format=%(trailers:key=Cairn-Rollback-To,valueonly)').trim()).toBe(target);
    expect(h.git('app', 'cat-file', 'blob', 'main:limits.yaml')).toBe(FIRST);

    // The scale-up changed /replicas; a later version set it to 7: undoing the scale-up would overwrite that.
    expect((await cli(['put', 'app', 'limits.yaml', '-', '--expect', 'HEAD'], { input: 'replicas: 7\n' })).code).toBe(0);
    // Neither a refused revert nor a dry run commits anything: they run side by side.
    const [conflict, revert] = await Promise.all([cli(['--json', 'revert', 'app', scaleUp]), cli(['--json', 'revert', 'app', 'HEAD', '--dry-run'])]);
    expect(conflict.code).toBe(4);
    expect(json<ErrorJson>(conflict).error).toMatchObject({
      type: 'RevertConflict',
      revertedVersion: scaleUp,
      conflicts: [{ path: 'limits.yaml', pointers: ['/replicas'] }],
    });
    expect(conflict.stdout).not.toContain('COMMITTED');
    expect(revert.code).toBe(0);
    expect(json<WriteJson>(revert)).toMatchObject({ status: 'PREVIEW', files: [{ path: 'limits.yaml', status: 'MODIFIED' }] });
  });

  it('exits 2 for usage errors and invalid input, 3 for not found', async () => {
    const cases: [string[], number, string][] = [
      [['get', 'app'], 2, 'Usage'],
      [['put', 'app', 'x.yaml'], 2, 'Usage'],
      [['history', 'app', '--limit', 'many'], 2, 'Usage'],
      [['audit', 'app', '--since', 'yesterday-ish'], 2, 'Usage'],
      [['nonsense'], 2, 'Usage'],
      [['get', 'app', '../etc/passwd.yaml'], 2, 'InvalidPath'],
      [['get', 'app', 'limits.yaml', '--at', 'no-such-tag'], 3, 'InvalidRef'],
      [['get', 'app', 'limits.yaml', '--at', 'HEAD~~x'], 2, 'InvalidRef'],
      [['get', 'BAD NAME', 'limits.yaml'], 2, 'InvalidNamespace'],
      [['get', 'app', 'missing.yaml'], 3, 'NotFound'],
      [['history', 'nowhere'], 3, 'NotFound'],
    ];
    const [invalid, ...results] = await Promise.all([
      cli(['--json', 'put', 'app', 'broken.json', '-'], { input: '{"a": 1,,}' }),
      ...cases.map(([args]) => cli(['--json', ...args])),
    ]);
    for (const [i, [args, code, type]] of cases.entries()) {
      const result = results[i]!;
      expect(result.code, args.join(' ')).toBe(code);
      expect(json<ErrorJson>(result).error, args.join(' ')).toMatchObject({ type, exitCode: code });
    }
    expect(invalid.code).toBe(2);
    expect(json<ErrorJson>(invalid).error).toMatchObject({ type: 'InvalidDocument', path: 'broken.json', line: 1 });
  });

  it('exits 5 when forbidden or unauthenticated, 6 when the server is unreachable, 1 for anything unexpected', async () => {
    const broken: Server = createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    const address = broken.address();
    const brokenUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    // Asked for while the broken server listens, so it cannot be that server's port.
    const port = await freePort();
    // None of these commits anything: they run side by side.
    const [forbidden, unknownToken, anonymous, unreachable, unexpected] = await Promise.all([
      cli(['--json', 'put', 'app', 'viewer.yaml', '-'], { token: VIEWER.token, input: 'a: 1\n' }),
      cli(['get', 'app', 'limits.yaml'], { token: 'not-a-token' }),
      cli(['namespaces'], { token: null }),
      cli(['--json', 'namespaces'], { url: `http://127.0.0.1:${port}` }),
      cli(['namespaces'], { url: brokenUrl }),
    ]);
    await new Promise((resolve) => broken.close(resolve));
    expect(forbidden.code).toBe(5);
    expect(json<ErrorJson>(forbidden).error).toMatchObject({ type: 'Forbidden', requiredRole: 'editor' });
    expect(unknownToken.code).toBe(5);
    expect(unknownToken.stderr).toContain('token was refused');
    expect(anonymous.code).toBe(5);

    expect(unreachable.code).toBe(6);
    expect(json<ErrorJson>(unreachable).error.type).toBe('Unreachable');

    expect(unexpected.code).toBe(1);
    expect(unexpected.stderr).toContain('502');
  });

  it('serves: `cairn serve` starts the server from the CAIRN_* environment, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cairn-cli-serve-'));
    const serve = new RunningCli(
      spawnCli(['serve'], { url: h.url, env: { CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', LOG_LEVEL: 'info' } }),
    );
    try {
      await until(
        () => serve.lines.some((l) => l.includes('Cairn listening on')),
        20_000,
        () => serve.lines.join('\n') + serve.stderr,
      );
      const url = (JSON.parse(serve.lines.find((l) => l.includes('Cairn listening on'))!) as { url: string }).url;
      const listed = await cli(['--json', 'namespaces'], { url, token: null });
      expect(listed.code, listed.stderr).toBe(0);
      expect(json(listed)).toEqual([]);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('documents the exit codes in --help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const line of [
      '0  success',
      '2  usage error or invalid input',
      '3  not found',
      '4  conflict',
      '5  forbidden or unauthenticated',
      '6  server unreachable',
    ]) {
      expect(help.stdout).toContain(line);
    }
  });

  it("documents the exit codes and the global options in every command's --help, and says which code an unknown version gives", async () => {
    const commands = ['get', 'put', 'history', 'diff', 'rollback', 'revert', 'audit', 'watch', 'import', 'export', 'namespaces'];
    // Help and reads change nothing: every command here runs side by side.
    const [unknown, unknownInDiff, malformed, helpResult, ...helps] = await Promise.all([
      cli(['--json', 'get', 'app', 'a.yaml', '--at', 'no-such-tag']),
      cli(['--json', 'diff', 'app', 'no-such-tag']),
      cli(['--json', 'get', 'app', 'a.yaml', '--at', 'HEAD~~x']),
      cli(['--help']),
      ...commands.map((command) => cli([command, '--help'])),
    ]);
    for (const [i, command] of commands.entries()) {
      const help = helps[i]!;
      expect(help.code, command).toBe(0);
      expect(help.stderr, command).toBe('');
      expect(help.stdout, command).toContain('6  server unreachable');
      expect(help.stdout, command).toMatch(/--json\s/);
      expect(help.stdout, command).toMatch(/--token <token>/);
    }
    // A version that names nothing is not found (3); one that is not a version at all is invalid input (2).
    expect(unknown.code).toBe(3);
    expect(json<ErrorJson>(unknown).error).toMatchObject({ type: 'InvalidRef', reason: 'unknown', exitCode: 3 });
    expect(unknownInDiff.code).toBe(3);
    expect(json<ErrorJson>(malformed).error).toMatchObject({ type: 'InvalidRef', reason: 'malformed', exitCode: 2 });
    const help = helpResult.stdout;
    // The codes are the ones the help names.
    expect(help).toMatch(/2 {2}usage error or invalid input \([^)]*malformed or ambiguous version/);
    expect(help).toContain('3  not found (a namespace, a version, or a document at the version read)');
  });

  it('exits 6, as for a server it cannot reach, when the server is still starting (503 NOT_READY)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cairn-cli-starting-'));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const settings = readSettings({ CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', CAIRN_READY_WAIT_MS: '200' });
    const started = startServer(settings, { logger: pino({ level: 'silent' }), onListening: listening, beforeLoading: () => gate });
    try {
      const result = await runCli(['--json', 'namespaces'], { url: await url });
      expect(result.code, result.stdout).toBe(6);
      expect(json<ErrorJson>(result).error).toMatchObject({ type: 'NOT_READY', exitCode: 6 });
    } finally {
      release();
      await (await started).close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 2 when no command is given (the help goes to stderr), and 0 when help is asked for', async () => {
    const askedFor = [['help'], ['help', 'put'], ['--help'], ['put', '--help']];
    const [bare, bareJson, ...asked] = await Promise.all([cli([]), cli(['--json']), ...askedFor.map((args) => cli(args))]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: cairn');
    expect(bareJson.code).toBe(2);
    expect(json<ErrorJson>(bareJson).error).toMatchObject({ type: 'Usage', exitCode: 2, message: 'a command is needed: see cairn --help' });
    for (const [i, args] of askedFor.entries()) expect(asked[i]!.code, args.join(' ')).toBe(0);
  });

  it('refuses to put a file that is not UTF-8 (exit 2) rather than storing it changed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cairn-cli-latin1-'));
    try {
      const file = path.join(dir, 'latin1.yaml');
      writeFileSync(file, Buffer.from('name: caf\xe9\n', 'latin1'));
      const fromFile = cli(['--json', 'put', 'app', 'latin1.yaml', file]);
      const viaStdin = spawnCli(['--json', 'put', 'app', 'latin1.yaml', '-'], { url: h.url, token: ADMIN.token });
      let stdout = '';
      viaStdin.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      viaStdin.stdin?.end(Buffer.from('name: caf\xe9\n', 'latin1'));
      const code = await new Promise<number | null>((resolve) => viaStdin.once('close', resolve));
      const fromFileResult = await fromFile;
      expect(fromFileResult.code, fromFileResult.stdout).toBe(2);
      expect(json<ErrorJson>(fromFileResult).error).toMatchObject({ type: 'Usage', message: expect.stringMatching(/not valid UTF-8/) });
      expect(code, stdout).toBe(2);
      const read = await cli(['get', 'app', 'latin1.yaml']);
      expect(read.code).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends quietly, exit 0, when whoever reads its output goes away (cairn watch | head)', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'piped' });
    const watcher = spawnCli(['--json', 'watch', 'piped'], { url: h.url, token: ADMIN.token });
    let stderr = '';
    watcher.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.once('close', resolve));
    await until(
      () => h.server.cairn.feed.liveSubscriptions >= 1,
      10_000,
      () => `not subscribed: ${stderr}`,
    );
    // The reader closes its end of the pipe, as head does once it has its lines.
    watcher.stdout?.destroy();
    // Three documents of their own: the puts need no order among them.
    const puts = await Promise.all([0, 1, 2].map((k) => cli(['put', 'piped', `k${k}.json`, '-'], { input: `{"k": ${k}}` })));
    for (const put of puts) expect(put.code).toBe(0);
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
