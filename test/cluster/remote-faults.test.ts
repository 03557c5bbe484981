import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { gitCli } from '../support/git-cli.js';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { type GqlResponse, type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, HEAD, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { listeningUrl, startServerProcess } from '../support/server-process.js';

/**
 * Replicas facing a shared remote (a real `git http-backend`) that hangs, refuses, wants credentials or is down,
 * and a Redis channel carrying garbage: every answer comes in seconds, says what went wrong, moves nothing it
 * should not, and leaks no secret.
 */

let remote: GitHttpServer;
let redis: RedisServer;
/** The repository the replicas of the running describe block share (see useFreshRemote). */
let remoteUrl: string;
let remoteDir: string;
let remotes = 0;

/**
 * Gives the replicas of the describe block that calls it a repository of their own on the shared server: a replica
 * clones every namespace of its remote when it starts, so a repository shared by the whole file made each start pay
 * for the namespaces of every test before it.
 */
function useFreshRemote(): void {
  remotes += 1;
  remoteUrl = remote.createRepository(`config-${remotes}.git`);
  remoteDir = path.join(remote.root, `config-${remotes}.git`);
}

const READ_CONFIG = `query($ns: String!, $path: String!) {
  namespace(name: $ns) { __typename ... on Namespace { config(path: $path) { __typename ... on ConfigDocument { content } } } ... on Error { message code } }
}`;

interface ReadData {
  namespace: { __typename: string; config?: { __typename: string; content?: unknown }; message?: string; code?: string } | null;
}

/**
 * With CAIRN_REMOTE_TIMEOUT_MS=500 a request that needs one or two exchanges with a hung remote must answer well
 * within this; an exchange without a deadline of its own ends only when Node's agent drops the idle socket (5 s).
 */
const HUNG_ANSWER_MS = 2_500;

/** A replica without Redis that never polls: it talks to the remote only when a request makes it. */
function replica(env: Record<string, string> = {}): Promise<Harness> {
  return startHarness({ env: { CAIRN_REMOTE_URL: remoteUrl, CAIRN_REMOTE_POLL_MS: '0', ...env } });
}

async function put(h: Harness, namespace: string, content: unknown, expectedVersion: string | null, requestId?: string): Promise<WriteResult> {
  const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
    input: { namespace, path: 'a.json', content, expectedVersion, ...(requestId ? { requestId } : {}) },
  });
  expect(res.errors).toBeUndefined();
  return res.data.putConfig;
}

async function committed(h: Harness, namespace: string, content: unknown, expectedVersion: string | null): Promise<string> {
  const res = await put(h, namespace, content, expectedVersion);
  expect(res.__typename).toBe('WritePayload');
  return res.version!.hash;
}

function remoteHistory(namespace: string, dir = remoteDir): string[] {
  const out = execFileSync('git', ['--git-dir', dir, 'rev-list', '--reverse', `refs/heads/${namespace}`], { encoding: 'utf8' }).trim();
  return out ? out.split('\n') : [];
}

/** main of a replica's own clone, read with the git CLI: asking the replica could make it pull. */
async function cloneHead(dataDir: string, namespace: string): Promise<string | null> {
  try {
    return (await gitCli(dataDir, '--git-dir', path.join(dataDir, `${namespace}.git`), 'rev-parse', '--verify', '--quiet', 'refs/heads/main')).trim();
  } catch {
    return null;
  }
}

/** `promise`, or a rejection once `ms` passed: a hang fails the test with a reason instead of at vitest's timeout. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Receive-pack POSTs (pushes) the remote answered since log entry `mark`. */
function pushesSince(mark: number): number {
  return remote.log.slice(mark).filter((r) => r.method === 'POST' && r.service === 'git-receive-pack').length;
}

beforeAll(async () => {
  [remote, redis] = await Promise.all([startGitHttpServer(), startRedisServer()]);
});

afterAll(async () => {
  remote?.resume();
  await Promise.all([remote?.close(), redis?.stop()]);
});

describe('a remote that hangs', () => {
  beforeAll(useFreshRemote);

  it('a write answers StorageFailure within seconds, nothing moves, and once the remote answers again the next write works', async () => {
    const h = await replica({ CAIRN_REMOTE_TIMEOUT_MS: '500' });
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'hang' });
      const first = await committed(h, 'hang', { a: 1 }, null);
      remote.pause();
      const started = Date.now();
      const failed = await within(10_000, 'a write to a hung remote', put(h, 'hang', { a: 2 }, first, 'hang-1'));
      expect(failed.__typename).toBe('StorageFailure');
      expect(Date.now() - started).toBeLessThan(HUNG_ANSWER_MS);
      expect(await cloneHead(h.dataDir, 'hang')).toBe(first);
      expect((await h.gql<{ namespace: { head: { hash: string } } }>(HEAD, { ns: 'hang' })).data.namespace.head.hash).toBe(first);
      remote.resume();
      // Retried with its requestId: committed now, or replayed if the held push reached the remote after all.
      const next = await put(h, 'hang', { a: 2 }, first, 'hang-1');
      expect(next.__typename).toBe('WritePayload');
      expect(remoteHistory('hang')).toEqual([first, next.version?.hash]);
      expect(await cloneHead(h.dataDir, 'hang')).toBe(next.version?.hash);
    } finally {
      remote.resume();
      await h.close();
    }
  });

  it('a read of a namespace this replica never opened answers within seconds, with a clear error, and works once the remote is back', async () => {
    const [h, other] = await Promise.all([replica({ CAIRN_REMOTE_TIMEOUT_MS: '500' }), replica()]);
    try {
      // Made after h started and never announced to it: h must ask the remote to find it.
      await other.gql(CREATE_NAMESPACE, { name: 'elsewhere' });
      await committed(other, 'elsewhere', { made: 'elsewhere' }, null);
      expect(await cloneHead(h.dataDir, 'elsewhere')).toBeNull();
      remote.pause();
      const started = Date.now();
      const res = await within(10_000, 'a read during the hang', h.gql<ReadData>(READ_CONFIG, { ns: 'elsewhere', path: 'a.json' }));
      expect(Date.now() - started).toBeLessThan(HUNG_ANSWER_MS);
      const answer = { typename: res.data?.namespace?.__typename ?? null, code: res.errors?.[0]?.extensions?.code ?? res.data?.namespace?.code ?? null };
      expect(answer.typename === 'StorageFailure' || answer.code === 'STORAGE_FAILURE', `answered ${JSON.stringify(res)}`).toBe(true);
      remote.resume();
      const read = await h.gql<ReadData>(READ_CONFIG, { ns: 'elsewhere', path: 'a.json' });
      expect(read.data.namespace?.config?.content).toEqual({ made: 'elsewhere' });
    } finally {
      remote.resume();
      await Promise.all([h.close(), other.close()]);
    }
  });
});

describe('a push the remote refuses for another reason than a lost race', () => {
  beforeAll(useFreshRemote);

  const hooks = (): string => path.join(remoteDir, 'hooks');
  const hook = (): string => path.join(hooks(), 'pre-receive');

  /** A server-side pre-receive hook that refuses every push with `message`, as a host's branch protection does. */
  function refuseEveryPush(message: string): void {
    mkdirSync(hooks(), { recursive: true });
    writeFileSync(hook(), `#!/bin/sh\necho "${message}" >&2\nexit 1\n`, { mode: 0o755 });
  }

  it("is a StorageFailure at once, after one push, with the remote's reason, and nothing moves", async () => {
    const h = await replica();
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'guarded' });
      const first = await committed(h, 'guarded', { a: 1 }, null);
      refuseEveryPush('branches are frozen by the test');
      const mark = remote.log.length;
      const started = Date.now();
      const refused = await within(10_000, 'a refused write', put(h, 'guarded', { a: 2 }, first));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(refused.__typename).toBe('StorageFailure');
      // receive-pack's own report for the branch: "ng refs/heads/guarded pre-receive hook declined".
      expect(refused.message).toMatch(/pre-receive hook declined/);
      expect(pushesSince(mark)).toBe(1);
      expect(remoteHistory('guarded')).toEqual([first]);
      expect(await cloneHead(h.dataDir, 'guarded')).toBe(first);

      rmSync(hook());
      const next = await put(h, 'guarded', { a: 2 }, first);
      expect(next.__typename).toBe('WritePayload');
      expect(remoteHistory('guarded')).toEqual([first, next.version?.hash]);
    } finally {
      rmSync(hook(), { force: true });
      await h.close();
    }
  });

  it('the StorageFailure carries what the remote printed (a host explains its refusal there: GitHub\'s "GH006: Protected branch update failed")', async () => {
    const h = await replica();
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'explained' });
      const first = await committed(h, 'explained', { a: 1 }, null);
      refuseEveryPush('POLICY-42: pushes to this branch need an approval');
      const refused = await within(10_000, 'a refused write', put(h, 'explained', { a: 2 }, first));
      expect(refused.__typename).toBe('StorageFailure');
      // Hook output reaches a client only on side-band 2, so the push must ask for side-band-64k to hear it.
      expect(refused.message).toContain('POLICY-42: pushes to this branch need an approval');
    } finally {
      rmSync(hook(), { force: true });
      await h.close();
    }
  });
});

describe('credentials inside CAIRN_REMOTE_URL', () => {
  const username = 'replica';
  const password = 'Pa55-in-the-URL';
  let secured: GitHttpServer;
  let securedDir: string;
  let port: string;

  beforeAll(async () => {
    secured = await startGitHttpServer({ auth: { username, password } });
    secured.createRepository('config.git');
    securedDir = path.join(secured.root, 'config.git');
    port = new URL(secured.url).port;
  });

  afterAll(() => secured?.close());

  /** The secret in every form a leak could take: as is, URL-encoded, and inside a Basic authorization header. */
  function forms(secret: string): string[] {
    return [secret, encodeURIComponent(secret), Buffer.from(`${username}:${secret}`).toString('base64')];
  }

  it('writes work with the credentials taken from the URL, and the logs never show them', async () => {
    const r = await loggedReplica({ CAIRN_REMOTE_URL: `http://${username}:${password}@127.0.0.1:${port}/config.git` });
    try {
      expect((await r.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: 'private' })).data.createNamespace.__typename).toBe(
        'Namespace',
      );
      const res = await r.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
        input: { namespace: 'private', path: 'a.json', content: { a: 1 }, expectedVersion: null },
      });
      expect(res.data.putConfig.__typename).toBe('WritePayload');
      expect(remoteHistory('private', securedDir)).toEqual([res.data.putConfig.version?.hash]);
      expect(secured.log.some((entry) => entry.status === 401)).toBe(false);
      for (const form of forms(password)) expect(r.logs()).not.toContain(form);
    } finally {
      await r.close();
    }
  });

  it('with a wrong password, the StorageFailure and the logs never show the password', async () => {
    const wrong = 'Wr0ng-pa55word';
    const r = await loggedReplica({ CAIRN_REMOTE_URL: `http://${username}:${wrong}@127.0.0.1:${port}/config.git` });
    try {
      const created = await r.gql<{ createNamespace: { __typename: string; message?: string } }>(CREATE_NAMESPACE, { name: 'refused' });
      expect(created.data.createNamespace.__typename).toBe('StorageFailure');
      expect(created.data.createNamespace.message).toMatch(/401|auth/i);
      const read = await r.gql<ReadData>(READ_CONFIG, { ns: 'private', path: 'a.json' });
      const answers = JSON.stringify([created, read]);
      expect(secured.log.some((entry) => entry.status === 401)).toBe(true);
      for (const form of [...forms(wrong), ...forms(password)]) {
        expect(answers).not.toContain(form);
        expect(r.logs()).not.toContain(form);
      }
    } finally {
      await r.close();
    }
  });
});

describe('a replica started while the remote is down', () => {
  beforeAll(useFreshRemote);

  it('starts, serves reads from the clones in its data directory, and catches up once the remote is back', async () => {
    const [earlier, writer] = await Promise.all([replica(), replica()]);
    let late: Harness | null = null;
    try {
      await earlier.gql(CREATE_NAMESPACE, { name: 'offline' });
      const one = await committed(earlier, 'offline', { v: 1 }, null);
      const dataDir = earlier.dataDir;
      await earlier.server.close();
      // Written while the replica is stopped: its clone is one commit behind.
      const two = await committed(writer, 'offline', { v: 2 }, one);

      remote.failNext(Infinity, { status: 503 });
      late = await within(
        15_000,
        'starting without the remote',
        startHarness({ env: { CAIRN_DATA_DIR: dataDir, CAIRN_REMOTE_URL: remoteUrl, CAIRN_REMOTE_POLL_MS: '200' } }),
      );
      const read = await late.gql<ReadData>(READ_CONFIG, { ns: 'offline', path: 'a.json' });
      expect(read.data.namespace?.config?.content).toEqual({ v: 1 });
      expect(await cloneHead(dataDir, 'offline')).toBe(one);

      remote.failNext(0);
      await until('the replica to catch up by polling', async () => (await cloneHead(dataDir, 'offline')) === two);
      const three = await put(late, 'offline', { v: 3 }, two);
      expect(three.__typename).toBe('WritePayload');
      expect(remoteHistory('offline')).toEqual([one, two, three.version?.hash]);
    } finally {
      remote.failNext(0);
      await late?.close();
      await writer.close();
      // Last: the late replica ran on this replica's data directory, which closing removes.
      await earlier.close().catch(() => undefined);
    }
  });
});

describe('garbage on the Redis channel', () => {
  beforeAll(useFreshRemote);

  it('a malformed cairn:heads message does not crash a replica, which keeps serving and following real announcements', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cairn-bus-replica-'));
    // The follower runs in its own process: an exception thrown by a message handler would end it, visibly.
    const follower = startServerProcess({
      CAIRN_DATA_DIR: dataDir,
      CAIRN_PORT: '0',
      CAIRN_FSYNC: 'false',
      CAIRN_REMOTE_URL: remoteUrl,
      CAIRN_REDIS_URL: redis.url,
      CAIRN_REMOTE_POLL_MS: '0',
    });
    // Started while the follower's process boots.
    const writer = await replica({ CAIRN_REDIS_URL: redis.url });
    const publisher = new Redis(redis.url);
    try {
      await writer.gql(CREATE_NAMESPACE, { name: 'bus' });
      const one = await committed(writer, 'bus', { v: 1 }, null);
      const url = await listeningUrl(follower);
      await until('the follower to clone the namespace at start', async () => (await cloneHead(dataDir, 'bus')) === one);

      const garbage = [
        'not json',
        '{"replica":',
        'null',
        '42',
        '[]',
        '{}',
        '{"replica":"x","namespace":123,"head":null}',
        '{"replica":"x","namespace":"../../etc","head":"zz"}',
        '{"replica":"x","namespace":"bus","head":"not-a-hash"}',
      ];
      for (const message of garbage) expect(await publisher.publish('cairn:heads', message)).toBeGreaterThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(follower.child.exitCode).toBeNull();
      expect((await fetch(`${url}/healthz`)).status).toBe(200);

      const two = await committed(writer, 'bus', { v: 2 }, one);
      await until('the follower to follow the next real announcement', async () => (await cloneHead(dataDir, 'bus')) === two);
      expect(follower.child.exitCode).toBeNull();
    } finally {
      publisher.disconnect();
      follower.child.kill('SIGTERM');
      await follower.exited;
      await writer.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('announcements of what the remote does not have', () => {
  beforeAll(useFreshRemote);

  it('an announcement naming a namespace the remote lacks creates nothing on the replicas that hear it', async () => {
    const [writer, follower] = await Promise.all([replica({ CAIRN_REDIS_URL: redis.url }), replica({ CAIRN_REDIS_URL: redis.url })]);
    const publisher = new Redis(redis.url);
    try {
      await writer.gql(CREATE_NAMESPACE, { name: 'real' });
      const one = await committed(writer, 'real', { v: 1 }, null);
      await until('the follower to follow the real namespace', async () => (await cloneHead(follower.dataDir, 'real')) === one);
      const ghost = { replica: 'not-a-replica', namespace: 'ghost', head: 'a'.repeat(40) };
      expect(await publisher.publish('cairn:heads', JSON.stringify(ghost))).toBeGreaterThanOrEqual(2);
      // Announcements are handled in order: once the next real one is followed, the ghost was handled too.
      const two = await committed(writer, 'real', { v: 2 }, one);
      await until('the follower to follow the next real announcement', async () => (await cloneHead(follower.dataDir, 'real')) === two);
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const h of [writer, follower]) {
        const listed = await h.gql<{ namespaces: { edges: { node: { name: string } }[] } }>('{ namespaces(first: 100) { edges { node { name } } } }');
        const names = listed.data.namespaces.edges.map((e) => e.node.name);
        expect(names).toContain('real');
        expect(names).not.toContain('ghost');
        expect(existsSync(path.join(h.dataDir, 'ghost.git'))).toBe(false);
      }
    } finally {
      publisher.disconnect();
      await Promise.all([writer.close(), follower.close()]);
    }
  });
});

interface LoggedReplica {
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  /** Every log line written so far, at every level. */
  logs(): string;
  close(): Promise<void>;
}

/** A replica like the harness's, but with every log line (trace and up) kept, to look for leaks in them. */
async function loggedReplica(env: Record<string, string>): Promise<LoggedReplica> {
  const root = mkdtempSync(path.join(tmpdir(), 'cairn-logged-'));
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  const settings = readSettings({ CAIRN_DATA_DIR: path.join(root, 'repos'), CAIRN_PORT: '0', CAIRN_FSYNC: 'false', CAIRN_REMOTE_POLL_MS: '0', ...env });
  let server: RunningServer;
  try {
    server = await startServer(settings, { logger });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    async gql<T>(query: string, variables: Record<string, unknown> = {}) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data: T; errors?: GqlResponse<T>['errors'] };
      return { status: res.status, data: body.data, ...(body.errors ? { errors: body.errors } : {}) };
    },
    logs: () => lines.join(''),
    async close() {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
