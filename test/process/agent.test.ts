import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, type DirectoryView, readAgentDirectory, startAgent } from '../support/agent-process.js';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { freePort } from '../support/free-port.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, type WriteResult } from '../support/operations.js';
import { ROLLOUT, type RolloutData } from '../support/rollout-operations.js';
import { type ServerProcess, listeningUrl, startServerProcess } from '../support/server-process.js';
import { ADMIN, EDITOR, type TestToken } from '../support/tokens.js';

/**
 * `cairn agent` as real processes against a real server process: files written by one symlink swap, releases
 * followed live, --exec and --check reported, a progressive rollout halted by a failing check, and a Cairn outage
 * survived from the copy on disk.
 */

const AGENT: TestToken = { token: 'agent-token-pay', name: 'Agent', email: 'agent@example.com', roles: { pay: 'agent' } };

describe('cairn agent', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'cairn-agent-'));
  const env: Record<string, string> = {
    CAIRN_DATA_DIR: path.join(root, 'repos'),
    CAIRN_TOKENS_FILE: path.join(root, 'tokens.json'),
    CAIRN_FSYNC: 'false',
    CAIRN_ROLLOUT_INTERVAL_MS: '50',
  };
  let server: ServerProcess;
  let url = '';
  const agents: AgentProcess[] = [];
  const released: string[] = [];
  let head = '';

  const gql = async <T>(query: string, variables: Record<string, unknown>, token = EDITOR.token): Promise<T> => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  /** A new version of main where both documents say `release: n`. */
  const commit = async (n: number): Promise<string> => {
    const changes = [
      { path: 'services/api/app.json', content: { release: n, pool: 10 } },
      { path: 'services/api/db.yaml', text: `# the database\nrelease: ${n}\n` },
    ];
    const data = await gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace: 'pay', changes, expectedVersion: head } });
    head = data.applyChanges.version!.hash;
    return head;
  };
  const state = async (): Promise<RolloutData> =>
    (await gql<{ environment: { data: RolloutData } }>(ROLLOUT, { ns: 'pay', env: 'prod' }, ADMIN.token)).environment.data;
  const release = async (version: string, strategy?: Record<string, unknown>): Promise<void> => {
    const current = (await state()).release?.hash ?? null;
    const data = await gql<{ release: WriteResult }>(RELEASE, {
      input: { namespace: 'pay', environment: 'prod', version, expectedRelease: current, ...(strategy ? { strategy } : {}) },
    });
    expect(data.release.status).toBe('COMMITTED');
    released.push(version);
  };
  const until = async <T>(probe: () => Promise<T> | T, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const agent = (instance: string, dir: string, extra: string[] = []): AgentProcess => {
    const started = startAgent(['--namespace', 'pay', '--env', 'prod', '--cluster', 'eu-1', '--instance', instance, '--dir', dir, ...extra], url, AGENT.token);
    agents.push(started);
    return started;
  };
  const startCairn = async (): Promise<void> => {
    server = startServerProcess(env);
    url = await listeningUrl(server);
  };
  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', path.join(root, 'repos', 'pay.git'), ...args], { encoding: 'utf8' }).trim();

  beforeAll(async () => {
    writeFileSync(env.CAIRN_TOKENS_FILE!, JSON.stringify({ tokens: [ADMIN, EDITOR, AGENT] }));
    env.CAIRN_PORT = String(await freePort());
    await startCairn();
    await gql(CREATE_NAMESPACE, { name: 'pay' }, ADMIN.token);
    const first = await gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, {
      input: { namespace: 'pay', expectedVersion: null, changes: [{ path: 'other/x.json', content: { x: 1 } }] },
    });
    head = first.applyChanges.version!.hash;
    await commit(1);
    const defined = await gql<{ defineEnvironment: WriteResult }>(
      DEFINE_ENVIRONMENT,
      { input: { namespace: 'pay', name: 'prod', clusters: ['eu-1'], expectedVersion: head } },
      ADMIN.token,
    );
    head = defined.defineEnvironment.version!.hash;
    await release(head);
  });

  afterAll(async () => {
    for (const a of agents) a.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('--once writes the selected documents by one symlink swap, runs --exec and --check, reports; a failed check exits 7 and reports FAILED', async () => {
    const dir = path.join(root, 'once');
    const once = agent('init-1', dir, ['--once', '--paths', 'services/api/**', '--exec', `echo "$CAIRN_VERSION" > ${root}/exec-ran`]);
    expect(await once.exited).toBe(0);
    expect(readlinkSync(path.join(dir, '..data'))).toMatch(/^\.\.[0-9a-f]{12}_[0-9a-f]{8}$/);
    expect(readlinkSync(path.join(dir, 'services'))).toBe(path.join('..data', 'services'));
    // The stored text is written as stored (its comment too); other/ is not selected.
    expect(readFileSync(path.join(dir, 'services/api/db.yaml'), 'utf8')).toBe('# the database\nrelease: 1\n');
    expect(existsSync(path.join(dir, 'other'))).toBe(false);
    expect(readFileSync(path.join(root, 'exec-ran'), 'utf8').trim()).toBe(released[0]);
    const reported = (await state()).instances.find((i) => i.id === 'init-1');
    expect(reported).toMatchObject({ appliedVersion: released[0], status: 'APPLIED', converged: true });

    // Without an environment it follows main's head (a viewer's read: nothing is reported).
    const mainDir = path.join(root, 'once-main');
    const main = startAgent(['--namespace', 'pay', '--dir', mainDir, '--once'], url, EDITOR.token);
    expect(await main.exited).toBe(0);
    expect(readAgentDirectory(mainDir)?.version).toBe(head);
    expect(JSON.parse(readFileSync(path.join(mainDir, 'other/x.json'), 'utf8'))).toEqual({ x: 1 });

    const failing = agent('init-2', path.join(root, 'once-failing'), ['--once', '--check', 'echo "not healthy"; exit 3']);
    expect(await failing.exited).toBe(7);
    const failed = (await state()).instances.find((i) => i.id === 'init-2');
    expect(failed).toMatchObject({ appliedVersion: released[0], status: 'FAILED' });
  });

  it('20 agents follow a progressive rollout; a failing --check on one canary halts it and rolls it back, every directory ends at the stable version', async () => {
    const dirs = Array.from({ length: 20 }, (_, i) => path.join(root, `fleet-${String(i).padStart(2, '0')}`));
    // a01 is a canary whose service does not come up with release 2.
    const fleet = dirs.map((dir, i) => {
      const id = `a${String(i).padStart(2, '0')}`;
      const canary = i < 2 ? ['--label', 'canary=yes'] : [];
      const check = i === 1 ? ['--check', `! grep -q 'release: 2' "$CAIRN_DIR/services/api/db.yaml"`] : [];
      return { id, dir, process: agent(id, dir, [...canary, ...check]) };
    });
    const stable = released.at(-1)!;
    await until(
      state,
      (s) => fleet.every((a) => s.instances.some((i) => i.id === a.id && i.appliedVersion === stable && i.status === 'APPLIED')),
      'the fleet on release 1',
    );

    const next = await commit(2);
    // Steps advance on bake time alone: a long bake keeps the canary step open until the failing canary reports.
    await release(next, { canary: [{ name: 'canary', value: 'yes' }], steps: [50, 100], bakeSeconds: 60, maxFailures: 0 });
    const rolledBack = await until(state, (s) => s.release?.rollback === true && s.release.version.hash === stable, 'the automatic rollback');
    expect(rolledBack.release?.version.hash).toBe(stable);
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollout-Failed,valueonly)', 'environments/prod')).toBe('a01');
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollback-To,valueonly)', 'environments/prod')).toBe(stable);

    // Every agent converges on the stable version, on disk and in its reports; only the canaries ever wrote release 2.
    await until(
      () => fleet.map((a) => readAgentDirectory(a.dir)?.version),
      (versions) => versions.every((v) => v === stable),
      'every directory at the stable version',
    );
    await until(
      state,
      (s) => fleet.every((a) => s.instances.some((i) => i.id === a.id && i.appliedVersion === stable && i.status === 'APPLIED')),
      'every report',
    );
    for (const a of fleet) {
      const view = readAgentDirectory(a.dir)!;
      expect(view.documents['services/api/app.json']).toContain('"release": 1');
      const wroteNext = a.process.logs.some((l) => l.msg === 'applying a new version' && l.version === next);
      expect(wroteNext, a.id).toBe(a.id === 'a00' || a.id === 'a01');
    }
    expect(fleet[1]!.process.logs.some((l) => l.msg === 'version failed' && String(l.message).startsWith('--check exited 1'))).toBe(true);
    expect(() => git('fsck', '--strict', '--no-progress')).not.toThrow();
    await Promise.all(fleet.map((a) => a.process.stop()));
    for (const a of fleet) expect(await a.process.exited).toBe(0);
  }, 90_000);

  it('survives a Cairn outage: the copy on disk and --listen keep serving, restarted agents start from it, all converge after; no reader sees a mix', async () => {
    const dirs = [0, 1, 2].map((i) => path.join(root, `outage-${i}`));
    let running = dirs.map((dir, i) => agent(`o${i}`, dir, ['--listen', '127.0.0.1:0']));
    const stable = (await state()).release!.version.hash;
    await until(
      () => dirs.map((d) => readAgentDirectory(d)?.version),
      (v) => v.every((x) => x === stable),
      'the outage agents on the stable version',
    );

    // A reader loops on every directory all along: each view is one version, both documents saying the same release.
    const views: DirectoryView[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        for (const dir of dirs) {
          const view = readAgentDirectory(dir);
          if (view) views.push(view);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();

    server.child.kill('SIGKILL');
    await server.exited;
    const local = await running[0]!.listening();
    const served = await fetch(`${local}/services/api/app.json?format=json`);
    expect(served.status).toBe(200);
    expect(served.headers.get('etag')).toBe(`"${stable}"`);
    expect(await served.json()).toEqual({ release: 1, pool: 10 });

    // Restarted while Cairn is down: they serve the verified copy at once.
    await Promise.all(running.map((a) => a.stop()));
    running = dirs.map((dir, i) => agent(`o${i}`, dir, ['--listen', '127.0.0.1:0']));
    for (const a of running) await a.log((l) => l.msg === 'serving the last good configuration from the cache' && l.version === stable);
    const again = await fetch(`${await running[2]!.listening()}/services/api/db.yaml`);
    expect(await again.text()).toBe('# the database\nrelease: 1\n');

    // Cairn comes back; new versions are released: every agent converges and reports APPLIED.
    await startCairn();
    const three = await commit(3);
    await release(three);
    const four = await commit(4);
    await release(four);
    await until(
      () => dirs.map((d) => readAgentDirectory(d)?.version),
      (v) => v.every((x) => x === four),
      'every agent on release 4',
    );
    await until(
      state,
      (s) => [0, 1, 2].every((i) => s.instances.some((x) => x.id === `o${i}` && x.appliedVersion === four && x.status === 'APPLIED')),
      'reports',
    );
    const local2 = await running[1]!.listening();
    const longPoll = fetch(`${local2}/services/api/app.json?wait=10s&format=json`, { headers: { 'if-none-match': `"${four}"` } });
    const five = await commit(5);
    await release(five);
    const woken = await longPoll;
    expect(woken.headers.get('etag')).toBe(`"${five}"`);
    expect(await woken.json()).toEqual({ release: 5, pool: 10 });

    reading = false;
    await reader;
    expect(views.length).toBeGreaterThan(10);
    for (const view of views) {
      const fromJson = /"release": (\d+)/.exec(view.documents['services/api/app.json'] ?? '')?.[1];
      const fromYaml = /release: (\d+)/.exec(view.documents['services/api/db.yaml'] ?? '')?.[1];
      expect(fromJson, JSON.stringify(view)).toMatch(/^\d+$/);
      expect(fromJson, JSON.stringify(view)).toBe(fromYaml);
    }
    await Promise.all(running.map((a) => a.stop()));
  }, 90_000);
});
