import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningServer, type StartOptions, startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { scrape } from './exposition.js';

const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } } }`;

/** startServer itself (the harness's server), on a data directory the test keeps across restarts. */
function start(dataDir: string, env: Record<string, string> = {}, options: StartOptions = {}): Promise<RunningServer> {
  const settings = readSettings({ CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', ...env });
  return startServer(settings, { logger: pino({ level: 'silent' }), ...options });
}

async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown>; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as never };
}

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** The status a WebSocket upgrade is answered with (101 when it opens). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    socket.on('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', (error) => reject(error));
  });
}

describe('readiness', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dataDir = (): string => {
    const root = mkdtempSync(path.join(tmpdir(), 'cairn-ready-'));
    dirs.push(root);
    return path.join(root, 'repos');
  };

  /** A server on `dir` held before it loads its indexes until `release()`; `url` is known once it listens. */
  async function gated(dir: string, env: Record<string, string> = {}): Promise<{ url: string; release: () => void; started: Promise<RunningServer> }> {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let listening!: (url: string) => void;
    const urlKnown = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const started = start(dir, env, { onListening: listening, beforeLoading: () => gate });
    started.then(
      (s) => servers.push(s),
      () => undefined,
    );
    return { url: await urlKnown, release, started };
  }

  /** A data directory with one namespace of three commits, written by a server that is closed again. */
  async function populated(): Promise<string> {
    const dir = dataDir();
    const first = await start(dir);
    await gql(first.url, 'mutation { createNamespace(input: { name: "big" }) { __typename } }');
    for (let i = 0; i < 3; i += 1) await gql(first.url, PUT, { input: { namespace: 'big', path: `d${i}.json`, content: { i }, expectedVersion: null } });
    await first.close();
    return dir;
  }

  const pending = Symbol('pending');
  /** What `promise` has settled to by now (after a few turns of the event loop and a loopback round trip), or `pending`. */
  async function settledYet<T>(promise: Promise<T>, url: string): Promise<T | typeof pending> {
    await get(`${url}/healthz`);
    return Promise.race([promise, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
  }

  it('listens before the commit indexes are loaded: alive, not ready; GraphQL requests and WebSocket upgrades wait, then are served', async () => {
    const { url, release, started } = await gated(await populated());

    expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(`${url}/readyz`)).toEqual({ status: 503, body: { status: 'starting', reason: 'starting services' } });
    const before = await scrape(url);
    expect(before.value('cairn_ready')).toBe(0);
    expect(before.has('cairn_index_commits', { namespace: 'big' })).toBe(false);
    const early = gql(url, '{ namespace(name: "big") { ... on Namespace { versionCount } } }');
    const upgrade = upgradeStatus(url);
    expect(await settledYet(early, url)).toBe(pending);
    expect(await settledYet(upgrade, url)).toBe(pending);

    release();
    const running = await started;
    expect(running.url).toBe(url);
    const answered = await early;
    expect(answered.status).toBe(200);
    expect(answered.body.data).toEqual({ namespace: { versionCount: 3 } });
    expect(await upgrade).toBe(101);
    expect(await get(`${url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
    const after = await scrape(url);
    expect(after.value('cairn_ready')).toBe(1);
    expect(after.value('cairn_index_commits', { namespace: 'big' })).toBe(3);
  });

  it('answers 503 NOT_READY with Retry-After to requests and upgrades that waited CAIRN_READY_WAIT_MS in vain', async () => {
    const { url, release, started } = await gated(dataDir(), { CAIRN_READY_WAIT_MS: '50' });
    const early = await gql(url, '{ __typename }');
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(early.body.errors?.[0]?.extensions).toEqual({ code: 'NOT_READY', status: 'starting', reason: 'starting services' });
    expect(early.body.errors?.[0]?.message).toMatch(/not ready yet/);
    expect(await upgradeStatus(url)).toBe(503);
    release();
    await started;
    expect((await gql(url, '{ __typename }')).status).toBe(200);
  });

  it('stops being ready as shutdown begins, and keeps serving for CAIRN_SHUTDOWN_DELAY_MS', async () => {
    const running = await start(dataDir(), { CAIRN_SHUTDOWN_DELAY_MS: '3000' });
    expect((await get(`${running.url}/readyz`)).status).toBe(200);
    const closing = running.close();
    expect(await get(`${running.url}/readyz`)).toEqual({ status: 503, body: { status: 'stopping', reason: 'shutting down' } });
    expect((await get(`${running.url}/healthz`)).status).toBe(200);
    const served = await gql(running.url, 'mutation { createNamespace(input: { name: "late" }) { __typename } }');
    expect(served.status).toBe(200);
    expect(served.body.data).toEqual({ createNamespace: { __typename: 'Namespace' } });
    expect((await scrape(running.url)).value('cairn_ready')).toBe(0);
    await closing;
    await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
  });

  it('a startup that fails after listening leaves nothing listening', async () => {
    let listeningAt = '';
    const failing = start(
      dataDir(),
      {},
      {
        onListening: (url) => {
          listeningAt = url;
        },
        beforeLoading: () => Promise.reject(new Error('simulated failure while loading')),
      },
    );
    await expect(failing).rejects.toThrow('simulated failure while loading');
    expect(listeningAt).not.toBe('');
    await expect(fetch(`${listeningAt}/healthz`)).rejects.toThrow();
  });
});
