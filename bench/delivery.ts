import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { CairnEndpoint } from '../src/client/cairn-endpoint.js';
import { Follower } from '../src/client/follower.js';
import { MemoryCache } from '../src/client/snapshot.js';
import type { FollowTarget } from '../src/client/target.js';
import type { Record as RecordFigure } from './import-export.js';
import { median, percentile } from './measure.js';
import { startServerProcess } from './server-process.js';

const AGENTS = 1_000;
const LONG_POLLS = 5_000;
const READS = 2_000;
const ROUNDS = 3;

const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ... on WritePayload { version { hash } } } }`;
const DEFINE = `mutation($input: DefineEnvironmentInput!) { defineEnvironment(input: $input) { ... on WritePayload { version { hash } } } }`;
const RELEASE = `mutation($input: ReleaseInput!) { release(input: $input) { ... on WritePayload { version { hash } } } }`;
const READ = `query($path: String!) { namespace(name: "fleet") { ... on Namespace { config(path: $path) { ... on ConfigDocument { text } } } } }`;

/**
 * Delivery at fleet scale, against the built server in its own process (issue 15): from a release to 1,000 agents
 * holding its documents (simulated in this process with the library's own follow loop: the live feed, then the
 * bundle; a real agent then writes its own disk), 5,000 long-polls held open (the server's memory, then how long a
 * commit takes to answer them all), and one document read over the plain HTTP API beside the same read in GraphQL.
 */
export async function benchDelivery(record: RecordFigure): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-delivery-'));
  const server = await startServerProcess(
    dir,
    { CAIRN_MAX_INSTANCES: String(AGENTS * 2) },
    process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
  );
  const http = new Agent({ keepAlive: true, maxSockets: 64 });
  const call = (
    method: 'GET' | 'POST',
    pathAndQuery: string,
    body?: object,
    headers: Record<string, string> = {},
    agent: Agent = http,
  ): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${server.url}${pathAndQuery}`,
        { method, agent, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });
  const gql = async <T>(query: string, variables: object = {}): Promise<T> => {
    const answer = JSON.parse((await call('POST', '/graphql', { query, variables })).text) as { data?: T; errors?: unknown };
    if (!answer.data) throw new Error(`GraphQL error: ${JSON.stringify(answer.errors)}`);
    return answer.data;
  };
  let head: string | null = null;
  const put = async (content: object, file = 'app.json'): Promise<string> => {
    const data = await gql<{ putConfig: { version: { hash: string } } }>(PUT, { input: { namespace: 'fleet', path: file, content, expectedVersion: head } });
    head = data.putConfig.version.hash;
    return head;
  };
  let currentRelease: string | null = null;
  const release = async (version: string): Promise<void> => {
    const data = await gql<{ release: { version: { hash: string } } }>(RELEASE, {
      input: { namespace: 'fleet', environment: 'prod', version, expectedRelease: currentRelease },
    });
    currentRelease = data.release.version.hash;
  };
  const followers: Follower<unknown>[] = [];
  /**
   * The simulated agents' fetch: node:http on kept-alive sockets. A thousand agents share this process's one core;
   * undici's fetch costs each request about three times as much here, which would be the bench's time, not Cairn's.
   */
  const agentSockets = new Agent({ keepAlive: true, maxSockets: 256 });
  const lightFetch = (input: string, init?: RequestInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as { [name: string]: string }));
      const req = request(input, { method: init?.method ?? 'GET', agent: agentSockets, headers, ...(init?.signal ? { signal: init.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve(new Response(status === 304 ? null : Buffer.concat(chunks), { status, headers: { etag: String(res.headers.etag ?? '') } }));
        });
      });
      req.on('error', reject);
      req.end(typeof init?.body === 'string' ? init.body : undefined);
    });
  try {
    await gql(`mutation { createNamespace(input: { name: "fleet" }) { __typename } }`);
    for (let i = 0; i < 20; i += 1) await put({ service: i, pool: 10, flags: { checkout: i % 2 === 0 } }, `services/s${i}.json`);
    await put({ replicas: 0 });
    head = (await gql<{ defineEnvironment: { version: { hash: string } } }>(DEFINE, { input: { namespace: 'fleet', name: 'prod', expectedVersion: head } }))
      .defineEnvironment.version.hash;
    await release(head);

    // 1,000 agents following prod; each notes when it holds a version.
    const arrivals = new Map<string, number[]>();
    for (let i = 0; i < AGENTS; i += 1) {
      const target: FollowTarget = {
        url: server.url,
        token: null,
        namespace: 'fleet',
        environment: 'prod',
        cluster: `c${i % 8}`,
        instance: `pod-${i}`,
        labels: {},
        prefix: '',
      };
      const follower = new Follower<unknown>({
        target,
        endpoint: new CairnEndpoint(target, lightFetch),
        format: 'text',
        cache: new MemoryCache(),
        apply: async (next) => {
          const at = arrivals.get(next.version) ?? [];
          at.push(performance.now());
          arrivals.set(next.version, at);
          return { status: 'APPLIED', message: null };
        },
        log: () => {},
        webSocket: WebSocket,
        heartbeatMs: 60_000,
      });
      followers.push(follower);
      follower.follow();
    }
    const allHold = async (version: string): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while ((arrivals.get(version)?.length ?? 0) < AGENTS) {
        if (Date.now() > deadline) throw new Error(`only ${arrivals.get(version)?.length ?? 0} agents got ${version}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await allHold(head);
    while (followers.some((f) => !f.live)) await new Promise((r) => setTimeout(r, 20));
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const version = await put({ replicas: round + 1 });
      const released = performance.now();
      await release(version);
      await allHold(version);
      for (const at of arrivals.get(version)!) latencies.push(at - released);
      await new Promise((r) => setTimeout(r, 500));
    }
    record(AGENTS, `release → ${AGENTS} agents hold its documents (p50)`, 'ms', median(latencies), null, null, '<= 1000');
    record(AGENTS, `release → ${AGENTS} agents hold its documents (p99)`, 'ms', percentile(latencies, 99), null, null, '<= 1000');
    await Promise.all(followers.map((f) => f.stop()));

    // One document read: the plain HTTP API beside GraphQL (kept-alive sockets, one request at a time).
    const httpMs: number[] = [];
    const graphqlMs: number[] = [];
    for (let i = 0; i < READS; i += 1) {
      const started = performance.now();
      await call('GET', '/v1/config/fleet/services/s1.json');
      httpMs.push(performance.now() - started);
      const began = performance.now();
      await gql(READ, { path: 'services/s1.json' });
      graphqlMs.push(performance.now() - began);
    }
    record(1, 'read one document, plain HTTP API (p50)', 'ms', median(httpMs), median(graphqlMs), 'the same read in GraphQL', '<= 5');

    // One long-poll, woken by a commit of its document: from the commit sent to the answer.
    const wakes: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const poll = call('GET', '/v1/config/fleet/app.json?wait=30s', undefined, { 'if-none-match': `"${head}"` }).then(() => performance.now());
      await new Promise((r) => setTimeout(r, 50));
      const sent = performance.now();
      await put({ replicas: 100 + i });
      wakes.push((await poll) - sent);
    }
    record(1, 'commit → a long-poll on its document answered (p50)', 'ms', median(wakes), null, null, '<= 100');

    // 5,000 long-polls held on one document; one commit answers them all.
    const before = server.rssMb();
    const idle = new Agent({ keepAlive: false, maxSockets: Infinity });
    const etag = `"${head}"`;
    const answered: number[] = [];
    let failed = 0;
    const polls = Array.from({ length: LONG_POLLS }, () =>
      call('GET', '/v1/config/fleet/app.json?wait=120s', undefined, { 'if-none-match': etag }, idle).then(
        () => answered.push(performance.now()),
        () => (failed += 1),
      ),
    );
    // Held once the server counts them all (a commit elsewhere in the namespace wakes none of them for good).
    await new Promise((r) => setTimeout(r, 3_000));
    const held = server.rssMb();
    record(LONG_POLLS, `${LONG_POLLS} long-polls held: server RSS`, 'MB', held, before, 'the server before them', '<= 1024');
    const committed = performance.now();
    await put({ replicas: 99 });
    await Promise.all(polls);
    const wake = answered.map((at) => at - committed);
    if (failed > 0) console.log(`  (${failed} of the ${LONG_POLLS} long-polls failed: connection reset)`);
    record(LONG_POLLS, `commit → ${LONG_POLLS} long-polls answered (p50)`, 'ms', median(wake), null, null, '<= 1000');
    record(LONG_POLLS, `commit → ${LONG_POLLS} long-polls answered (p99)`, 'ms', percentile(wake, 99), null, null, '<= 2000');
    idle.destroy();
  } finally {
    await Promise.all(followers.map((f) => f.stop()));
    http.destroy();
    agentSockets.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
