import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphqlClient } from './graphql-client.js';
import type { Record } from './import-export.js';
import { percentile } from './measure.js';
import { NPM_START_FLAGS, startServerProcess } from './server-process.js';

const ROUNDS = 10;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } } }`;
const SUBSCRIPTION = 'subscription { changes(namespace: "subs") { version } }';

/** `count` graphql-ws clients subscribed to the namespace's changes, each noting when every event arrives. */
async function subscribeAll(url: string, count: number): Promise<{ clients: Client[]; arrivals: number[][] }> {
  const arrivals: number[][] = Array.from({ length: count }, () => []);
  const clients = Array.from({ length: count }, () =>
    createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 }),
  );
  let connected = 0;
  await new Promise<void>((resolve) => {
    clients.forEach((client, i) => {
      client.on('connected', () => {
        connected += 1;
        if (connected === count) resolve();
      });
      client.subscribe({ query: SUBSCRIPTION }, { next: () => arrivals[i]!.push(performance.now()), error: () => undefined, complete: () => undefined });
    });
  });
  // Connected is not yet subscribed: give every subscribe message time to reach the feed.
  await new Promise((r) => setTimeout(r, 1500));
  return { clients, arrivals };
}

/**
 * One change event to many graphql-ws subscribers (issue 17), through a server process: from sending a putConfig to
 * the last client receiving its event, ROUNDS commits one after the other; p50 and p99 over every delivery.
 */
export async function benchSubscribers(count: number, record: Record): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-subscribers-'));
  const server = await startServerProcess(dir, {}, process.env.BENCH_PROFILE ? [...NPM_START_FLAGS, '--cpu-prof', '--cpu-prof-dir=/tmp/prof-subs'] : undefined);
  try {
    const gql = graphqlClient(server.url);
    await gql(`mutation { createNamespace(input: { name: "subs" }) { __typename } }`);
    let version: string | null = null;
    const put = async (content: object): Promise<void> => {
      const res = await gql<{ putConfig: { __typename: string; version?: { hash: string } } }>(PUT, {
        input: { namespace: 'subs', path: 'app.json', content, expectedVersion: version },
      });
      if (!res.putConfig.version) throw new Error(`put failed: ${res.putConfig.__typename}`);
      version = res.putConfig.version.hash;
    };
    await put({ round: -1 });
    const { clients, arrivals } = await subscribeAll(server.url, count);
    const latencies: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round += 1) {
        const sent = performance.now();
        await put({ round });
        const deadline = Date.now() + 10_000;
        while (arrivals.some((a) => a.length <= round) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        for (const a of arrivals) latencies.push((a[round] ?? Infinity) - sent);
      }
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
    const label = count.toLocaleString('en');
    record(count, `one change event to ${label} graphql-ws subscribers (p50)`, 'ms', percentile(latencies, 50), null, null, '<= 100');
    record(count, `one change event to ${label} graphql-ws subscribers (p99)`, 'ms', percentile(latencies, 99), null, null, '<= 100');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
