import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { NamespaceWriter } from '../support/feed-writers.js';
import { freePort } from '../support/free-port.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { type ServerProcess, listeningUrl, startServerProcess } from '../support/server-process.js';
import { RunningCli, runCli, spawnCli, until } from './cli-process.js';

const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } } }`;
const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Git CLI', GIT_AUTHOR_EMAIL: 'cli@example.com', GIT_COMMITTER_NAME: 'Git CLI', GIT_COMMITTER_EMAIL: 'cli@example.com' };

interface Event {
  version: string;
  sequence: number;
}

function events(cli: RunningCli): Event[] {
  return cli.lines.filter(Boolean).map((line) => JSON.parse(line) as Event);
}

async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<Record<string, { __typename: string; version?: { hash: string } }>> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: Record<string, { __typename: string; version?: { hash: string } }> };
  return body.data;
}

async function put(url: string, path: string, content: unknown): Promise<string> {
  const result = (await gql(url, PUT, { input: { namespace: 'feed', path, content, expectedVersion: 'HEAD' } })).putConfig;
  if (!result?.version) throw new Error(`put failed: ${JSON.stringify(result)}`);
  return result.version.hash;
}

/** Until the server at `url` counts the watcher's graphql-ws subscription: it has read the head it starts from. */
async function subscribed(url: string, watcher: RunningCli): Promise<void> {
  let metrics = '';
  await until(
    () => /cairn_graphql_subscriptions_active\{transport="ws"\} 1/.test(metrics),
    20_000,
    () => `not subscribed: ${watcher.stderr}`,
    async () => {
      metrics = await (await fetch(`${url}/metrics`)).text();
    },
  );
}

/**
 * The watcher's events once it printed the one of `closing`, a commit made after all the others. Events arrive in
 * order, so a repeat or an extra event would have been printed before it: no need to wait a while to see if one comes.
 */
async function eventsThrough(watcher: RunningCli, closing: string): Promise<Event[]> {
  // Each line is read once: the slow-subscriber test prints megabytes of events.
  let read = 0;
  const printed = (): boolean => {
    const fresh = watcher.lines.slice(read);
    read += fresh.length;
    return fresh.some((line) => line !== '' && (JSON.parse(line) as Event).version === closing);
  };
  await until(printed, 20_000, () => `no event for the closing commit ${closing}: ${watcher.lines.length} events; ${watcher.stderr}`);
  return events(watcher);
}

/**
 * Commits made with git itself in a clone of the namespace `feed`, to be pushed while the server is down: the clone
 * and the commits are made beforehand, so the server is down only as long as a restart takes.
 */
function commitsWithGit(root: string, dataDir: string, texts: readonly string[]): { push: () => void } {
  const clone = path.join(root, 'clone');
  execFileSync('git', ['clone', '-q', path.join(dataDir, 'feed.git'), clone], { stdio: 'ignore' });
  for (const [k, text] of texts.entries()) {
    writeFileSync(path.join(clone, 'offline.json'), text);
    execFileSync('git', ['-C', clone, 'add', '-A'], { env: { ...process.env, ...GIT_IDENTITY } });
    execFileSync('git', ['-C', clone, 'commit', '-q', '-m', `offline ${k}`], { env: { ...process.env, ...GIT_IDENTITY } });
  }
  return { push: () => void execFileSync('git', ['-C', clone, 'push', '-q', 'origin', 'HEAD:main']) };
}

/** A data directory (removed by `cleanup`) and the environment of a server on a fixed port, so it can restart there. */
async function serverHome(prefix: string, cleanup: (() => void | Promise<void>)[]): Promise<{ root: string; dataDir: string; env: Record<string, string> }> {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'repos');
  const port = await freePort();
  return { root, dataDir, env: { CAIRN_DATA_DIR: dataDir, CAIRN_PORT: String(port), CAIRN_FSYNC: 'false', LOG_LEVEL: 'info' } };
}

describe('cairn watch', () => {
  const cleanup: (() => void | Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  // Each test but the last has its own servers, data and watcher, and spends most of its time waiting (for a restart,
  // a reconnection's backoff): they run side by side. The last one writes hundreds of large commits as fast as it can.
  it.concurrent(
    'resumes across a server restart with no gap and no duplicate, including commits made with git meanwhile',
    async () => {
      const { root, dataDir, env } = await serverHome('cairn-cli-watch-', cleanup);
      let server: ServerProcess = startServerProcess(env);
      cleanup.push(() => void server.child.kill('SIGKILL'));
      const url = await listeningUrl(server);
      await gql(url, CREATE_NAMESPACE, { name: 'feed' });
      const seed = (await gql(url, PUT, { input: { namespace: 'feed', path: 'seed.json', content: { seed: true }, expectedVersion: null } })).putConfig!
        .version!.hash;

      const watcher = new RunningCli(spawnCli(['--json', 'watch', 'feed'], { url }));
      cleanup.push(() => void watcher.child.kill('SIGKILL'));
      // The watcher starts from the head it reads: wait until its subscription is live before writing.
      await subscribed(url, watcher);
      for (let k = 0; k < 3; k += 1) await put(url, 'live.json', { k });
      await until(
        () => watcher.lines.length >= 3,
        15_000,
        () => `before restart: ${watcher.lines.length} events; ${watcher.stderr}`,
      );

      // While the server is down, two commits arrive through git itself: the restarted server must feed them too.
      const offline = commitsWithGit(root, dataDir, ['{"k": 0}\n', '{"k": 1}\n']);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      offline.push();

      server = startServerProcess(env);
      await listeningUrl(server);
      for (let k = 3; k < 6; k += 1) await put(url, 'live.json', { k });

      const expected = execFileSync('git', ['--git-dir', path.join(dataDir, 'feed.git'), 'rev-list', '--reverse', `${seed}..main`], { encoding: 'utf8' })
        .trim()
        .split('\n');
      expect(expected).toHaveLength(8);
      await until(
        () => watcher.lines.length >= expected.length,
        20_000,
        () => `after restart: ${watcher.lines.length}/${expected.length} events; ${watcher.stderr}`,
      );
      const closing = await put(url, 'closing.json', { closing: true });
      const received = await eventsThrough(watcher, closing);
      expect(received.map((e) => e.version)).toEqual([...expected, closing]);
      expect(received.map((e) => e.sequence)).toEqual([...expected, closing].map((_, i) => i + 1));
      expect(watcher.stderr).toMatch(/feed connection ended \(closed 1001 server shutting down\); resuming after [0-9a-f]{40}/);

      watcher.child.kill('SIGTERM');
      expect(await watcher.exited).toBe(0);
      server.child.kill('SIGTERM');
      await server.exited;
    },
    60_000,
  );

  it.concurrent.each([
    { name: 'an empty namespace, from its start', seeded: false, args: [] as string[] },
    { name: '--since HEAD, from the head it named then (not the head of the reconnection)', seeded: true, args: ['--since', 'HEAD'] },
  ])(
    'watching $name: commits made before the first event are not lost across a restart',
    async ({ seeded, args }) => {
      const { root, dataDir, env } = await serverHome('cairn-cli-watch-start-', cleanup);
      let server: ServerProcess = startServerProcess(env);
      cleanup.push(() => void server.child.kill('SIGKILL'));
      const url = await listeningUrl(server);
      await gql(url, CREATE_NAMESPACE, { name: 'feed' });
      const seed = seeded
        ? (await gql(url, PUT, { input: { namespace: 'feed', path: 'seed.json', content: { seed: true }, expectedVersion: null } })).putConfig!.version!.hash
        : null;

      const watcher = new RunningCli(spawnCli(['--json', 'watch', 'feed', ...args], { url }));
      cleanup.push(() => void watcher.child.kill('SIGKILL'));
      await subscribed(url, watcher);
      // A commit arrives while the server is down, before the watcher saw any event.
      const offline = commitsWithGit(root, dataDir, ['{"offline": true}\n']);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      offline.push();
      server = startServerProcess(env);
      await listeningUrl(server);
      await put(url, 'live.json', { k: 1 });

      const expected = execFileSync('git', ['--git-dir', path.join(dataDir, 'feed.git'), 'rev-list', '--reverse', seed ? `${seed}..main` : 'main'], {
        encoding: 'utf8',
      })
        .trim()
        .split('\n');
      expect(expected).toHaveLength(2);
      await until(
        () => watcher.lines.length >= 2,
        20_000,
        () => `${watcher.lines.length}/2 events; ${watcher.stderr}`,
      );
      const closing = await put(url, 'closing.json', { closing: true });
      const received = await eventsThrough(watcher, closing);
      expect(received.map((e) => e.version)).toEqual([...expected, closing]);
      expect(received.map((e) => e.sequence)).toEqual(seeded ? [1, 2, 3] : [0, 1, 2]);
      watcher.child.kill('SIGTERM');
      expect(await watcher.exited).toBe(0);
      server.child.kill('SIGTERM');
      await server.exited;
    },
    60_000,
  );

  it.concurrent('exits 6 when the feed cannot be reached at all, and 3 (not found) for a since the namespace does not have', async () => {
    const h = await startHarness();
    cleanup.push(() => h.close());
    await h.gql(CREATE_NAMESPACE, { name: 'feed' });
    // Asked for while the harness listens, so it cannot be the harness' port.
    const port = await freePort();
    const [unreachable, unknown] = await Promise.all([
      runCli(['--json', 'watch', 'feed', '--since', 'abc1234'], { url: `http://127.0.0.1:${port}` }),
      runCli(['--json', 'watch', 'feed', '--since', 'abc1234'], { url: h.url }),
    ]);
    expect(unreachable.code).toBe(6);
    expect(JSON.parse(unreachable.stdout)).toMatchObject({ error: { type: 'Unreachable', exitCode: 6 } });
    expect(unknown.code).toBe(3);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { type: 'InvalidRef', exitCode: 3 } });
  });

  it.concurrent('backs off when connections are accepted and dropped at once, instead of reconnecting four times a second', async () => {
    // Stands for a proxy or a failing server: it acknowledges graphql-ws' connection_init, then closes the socket.
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'graphql-transport-ws' });
    const connectedAt: number[] = [];
    server.on('connection', (socket) => {
      connectedAt.push(Date.now());
      socket.once('message', () => {
        socket.send(JSON.stringify({ type: 'connection_ack' }));
        setTimeout(() => socket.close(1011, 'dropped'), 10);
      });
    });
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    // A since of forty zeros is not resolved over HTTP first: the stand-in speaks WebSocket only.
    const watcher = new RunningCli(spawnCli(['watch', 'feed', '--since', '0'.repeat(40)], { url: `http://127.0.0.1:${port}` }));
    cleanup.push(() => void watcher.child.kill('SIGKILL'));
    await until(
      () => connectedAt.length >= 5,
      20_000,
      () => `${connectedAt.length} connections: ${watcher.stderr}`,
    );
    // Doubling from 250 ms, each within ±20% (jitter, so watchers cut off together do not return together).
    const waits = [...watcher.stderr.matchAll(/closed 1011 dropped\); resuming after the start of the namespace in (\d+) ms/g)].map((m) => Number(m[1]));
    expect(waits.length).toBeGreaterThanOrEqual(4);
    // As the stand-in saw them: each connection came no sooner than the wait before it (250, 500, 1000, 2000 ms; five
    // connections in no less than 3 s, where without backoff there would be one every few milliseconds).
    const gaps = connectedAt.slice(1, 5).map((at, i) => at - connectedAt[i]!);
    for (const [i, wait] of waits.slice(0, 4).entries()) {
      expect(wait).toBeGreaterThanOrEqual(250 * 2 ** i * 0.8);
      expect(wait).toBeLessThanOrEqual(250 * 2 ** i * 1.2);
      expect(gaps[i], `connections ${gaps.join(', ')} ms apart`).toBeGreaterThanOrEqual(wait);
    }
    watcher.child.kill('SIGTERM');
    expect(await watcher.exited).toBe(0);
  });

  it.concurrent(
    'resumes, rather than exits, when the slow-subscriber cut-off arrives as a GraphQL error (SLOW_SUBSCRIBER) instead of a 4413 close',
    async () => {
      // Stands for a server whose error payload overtook the close frame: one event, the error, then complete.
      const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'graphql-transport-ws' });
      const sinces: unknown[] = [];
      server.on('connection', (socket) => {
        socket.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: { variables?: { since?: unknown } } };
          if (message.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
          if (message.type !== 'subscribe') return;
          sinces.push(message.payload?.variables?.since);
          const version = String(sinces.length).repeat(40);
          socket.send(JSON.stringify({ type: 'next', id: message.id, payload: { data: { changes: { version, sequence: sinces.length } } } }));
          const error = { message: 'slow subscriber', extensions: { code: 'SLOW_SUBSCRIBER', resumeFrom: version } };
          socket.send(JSON.stringify({ type: 'next', id: message.id, payload: { errors: [error] } }));
          socket.send(JSON.stringify({ type: 'complete', id: message.id }));
        });
      });
      cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const watcher = new RunningCli(spawnCli(['--json', 'watch', 'feed', '--since', '0'.repeat(40)], { url: `http://127.0.0.1:${port}` }));
      cleanup.push(() => void watcher.child.kill('SIGKILL'));
      await until(
        () => sinces.length >= 2,
        10_000,
        () => `did not resume: ${watcher.stderr}`,
      );
      expect(sinces.slice(0, 2)).toEqual(['0'.repeat(40), '1'.repeat(40)]);
      watcher.child.kill('SIGTERM');
      expect(await watcher.exited).toBe(0);
    },
  );

  // Alone, after the others: it writes hundreds of large commits as fast as it can.
  it('resumes after the server cuts it off as a slow subscriber (4413), with no gap and no duplicate', async () => {
    const h: Harness = await startHarness({ env: { CAIRN_FEED_MAX_BUFFERED_EVENTS: '20' } });
    cleanup.push(() => h.close());
    await h.gql(CREATE_NAMESPACE, { name: 'slow' });
    const writer = new NamespaceWriter(h, 'slow');
    const seed = await writer.put('seed.json', { seed: true });
    const watcher = new RunningCli(spawnCli(['--json', 'watch', 'slow', '--since', seed], { url: h.url }));
    cleanup.push(() => void watcher.child.kill('SIGKILL'));
    await until(
      () => h.server.cairn.feed.liveSubscriptions === 1,
      10_000,
      () => `not subscribed: ${watcher.stderr}`,
    );
    await writer.put('first.json', { first: true });
    await until(
      () => watcher.lines.length === 1,
      10_000,
      () => 'no first event',
    );

    // A stopped process reads nothing: the kernel buffers fill with large events, then the server's buffer overflows.
    watcher.child.kill('SIGSTOP');
    // Each event carries the old and new 32 KB value (the CLI asks for value changes, not whole documents).
    for (let k = 0; k < 300 && h.server.cairn.feed.liveSubscriptions > 0; k += 1) await writer.put('big.json', { padding: String(k).padEnd(32_000, 'x') });
    await until(
      () => h.server.cairn.feed.liveSubscriptions === 0,
      10_000,
      () => 'the stopped watcher was never cut off',
    );
    watcher.child.kill('SIGCONT');

    const expected = h.git('slow', 'rev-list', '--reverse', `${seed}..main`).trim().split('\n');
    await until(
      () => watcher.lines.length >= expected.length,
      30_000,
      () => `${watcher.lines.length}/${expected.length} events; ${watcher.stderr}`,
    );
    const closing = await writer.put('closing.json', { closing: true });
    expect((await eventsThrough(watcher, closing)).map((e) => e.version)).toEqual([...expected, closing]);
    expect(watcher.stderr).toMatch(/closed 4413 slow subscriber: resubscribe with since=[0-9a-f]{40}/);
    watcher.child.kill('SIGTERM');
    expect(await watcher.exited).toBe(0);
  }, 60_000);
});
