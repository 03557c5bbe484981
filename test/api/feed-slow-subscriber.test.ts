import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedEvent, type Recording, StallableSseClient, StallableWsClient, recordSse, recordWs, until } from '../support/feed-clients.js';
import { NamespaceWriter } from '../support/feed-writers.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';

/**
 * A subscriber that stops reading its socket: the kernel buffers between it and the server fill, the server's
 * writes to it stall, its feed buffer (small here) overflows and it is cut off, while writers and another
 * subscriber carry on at full speed. Events are made large (whole 16 KB documents) so the kernel buffers fill
 * after a hundred or so.
 */
const MAX_BUFFERED = 50;
const DOCUMENT = { padding: 'x'.repeat(16_000) };
const QUERY = `subscription($ns: String, $since: String) { changes(namespace: $ns, since: $since) { version parentVersion documents { path oldContent newContent } } }`;

type Transport = 'graphql-ws' | 'SSE';

interface Stallable {
  readonly events: FeedEvent[];
  stall(): void;
  resume(): void;
  close(): void;
}

/** Two writers, each updating its own new document, as fast as the server lets them; returns commits per second. */
async function commitsPerSecond(h: Harness, ns: string, phase: string, commitsPerWriter: number): Promise<number> {
  const started = performance.now();
  await Promise.all(
    [0, 1].map(async (w) => {
      const writer = new NamespaceWriter(h, ns);
      for (let k = 0; k < commitsPerWriter; k += 1) await writer.put(`${phase}-w${w}.json`, { ...DOCUMENT, k });
    }),
  );
  return (2 * commitsPerWriter) / ((performance.now() - started) / 1000);
}

function history(h: Harness, ns: string, since: string): string[] {
  return h.git(ns, 'rev-list', '--reverse', `${since}..main`).trim().split('\n');
}

describe('a subscriber that stops reading', () => {
  let h: Harness;
  /** The server's end of every connection, to watch how much it buffers for the stalled client. */
  const serverSockets: net.Socket[] = [];
  let namespaces = 0;

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_FEED_MAX_BUFFERED_EVENTS: String(MAX_BUFFERED) } });
    h.server.server.on('upgrade', (req: { socket: net.Socket }) => serverSockets.push(req.socket));
    h.server.server.on('request', (req: { socket: net.Socket }) => serverSockets.push(req.socket));
  });

  afterAll(() => h.close());

  function stallable(transport: Transport, ns: string): Stallable {
    const client = transport === 'SSE' ? new StallableSseClient(h.url, QUERY, { ns }) : StallableWsClient.open(h.url, QUERY, { ns });
    return client;
  }

  function resumeWith(transport: Transport, ns: string, since: string): Recording {
    return transport === 'SSE' ? recordSse(h.url, QUERY, { ns, since }) : recordWs(h.ws(), QUERY, { ns, since });
  }

  it.each<Transport>(['graphql-ws', 'SSE'])(
    'over %s: it slows neither writers nor another subscriber, is cut off with the version to resume from, and resumes exactly',
    async (transport) => {
      namespaces += 1;
      const ns = `slow-${namespaces}`;
      await h.gql(CREATE_NAMESPACE, { name: ns });
      const seed = await new NamespaceWriter(h, ns).put('seed.json', { seed: true });
      const live = h.server.cairn.feed.liveSubscriptions;
      const healthy = recordWs(h.ws(), QUERY, { ns, since: seed });
      await until(
        () => h.server.cairn.feed.liveSubscriptions === live + 1,
        5_000,
        () => 'healthy subscriber not live',
      );
      const alone = await commitsPerSecond(h, ns, 'alone', 100);

      const slow = stallable(transport, ns);
      await until(
        () => h.server.cairn.feed.liveSubscriptions === live + 2,
        5_000,
        () => 'slow subscriber not live',
      );
      await new NamespaceWriter(h, ns).put('before-stall.json', DOCUMENT);
      await until(
        () => slow.events.length === 1,
        5_000,
        () => 'slow subscriber got nothing',
      );
      slow.stall();
      let maxBuffered = 0;
      const watch = setInterval(() => {
        for (const socket of serverSockets) maxBuffered = Math.max(maxBuffered, socket.writableLength);
      }, 5);
      const withStalled = await commitsPerSecond(h, ns, 'stalled', 250);
      clearInterval(watch);
      // Cut off on the server while it still reads nothing: its subscription is gone.
      await until(
        () => h.server.cairn.feed.liveSubscriptions === live + 1,
        5_000,
        () => 'the stalled subscriber is still subscribed',
      );
      console.info(
        `${transport}: ${alone.toFixed(0)} commits/s alone, ${withStalled.toFixed(0)} with a stalled subscriber; server buffered at most ${maxBuffered} bytes for a socket`,
      );
      expect(withStalled).toBeGreaterThan(alone * 0.5);
      // graphql-ws and yoga's SSE stream both wait for each write: Node holds at most one event per socket.
      expect(maxBuffered).toBeLessThan(200_000);

      const expected = history(h, ns, seed);
      await until(
        () => healthy.events.length >= expected.length,
        15_000,
        () => `healthy got ${healthy.events.length}/${expected.length}`,
      );
      healthy.stop();
      expect(healthy.events.map((e) => e.version)).toEqual(expected);
      expect(healthy.errors).toEqual([]);

      slow.resume();
      const received = slow.events;
      const resumeFrom = await disconnection(transport, slow);
      const start = expected.indexOf(received[0]!.version);
      expect(received.length).toBeLessThan(expected.length - start);
      expect(received.map((e) => e.version)).toEqual(expected.slice(start, start + received.length));
      expect(resumeFrom).toBe(received.at(-1)!.version);

      const resumed = resumeWith(transport, ns, resumeFrom);
      await until(
        () => resumed.events.length >= expected.length - start - received.length,
        15_000,
        () => `resumed got ${resumed.events.length}`,
      );
      resumed.stop();
      expect([...received, ...resumed.events].map((e) => e.version)).toEqual(expected.slice(start));
    },
    60_000,
  );

  /** Reads what the stalled client was sent, then the reason; returns the version the reason names. */
  async function disconnection(transport: Transport, slow: Stallable): Promise<string> {
    if (slow instanceof StallableWsClient) {
      const { code, reason } = await slow.closed;
      expect(code).toBe(4413);
      const version = /since=([0-9a-f]{40})$/.exec(reason)?.[1];
      expect(version, reason).toBeDefined();
      return version!;
    }
    const sse = slow as StallableSseClient;
    expect(transport).toBe('SSE');
    expect(await sse.ended).toBe('complete');
    expect(sse.errors).toHaveLength(1);
    const [error] = sse.errors;
    expect(error!.message).toMatch(/fell more than 50 events behind and was disconnected; resubscribe with since: "[0-9a-f]{40}"/);
    expect(error!.extensions).toMatchObject({ code: 'SLOW_SUBSCRIBER', namespace: expect.any(String), maxBufferedEvents: MAX_BUFFERED });
    return error!.extensions!.resumeFrom as string;
  }
});

describe('a stalled subscriber that never reads again', () => {
  let h: Harness;
  const serverSockets: net.Socket[] = [];

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_FEED_MAX_BUFFERED_EVENTS: '5', CAIRN_FEED_DISCONNECT_GRACE_MS: '300' } });
    h.server.server.on('upgrade', (req: { socket: net.Socket }) => serverSockets.push(req.socket));
    h.server.server.on('request', (req: { socket: net.Socket }) => serverSockets.push(req.socket));
    await h.gql(CREATE_NAMESPACE, { name: 'gone' });
  });

  afterAll(() => h.close());

  it.each<Transport>(['graphql-ws', 'SSE'])(
    'over %s: its connection is dropped once the grace period (CAIRN_FEED_DISCONNECT_GRACE_MS) is over',
    async (transport) => {
      const seed = await new NamespaceWriter(h, 'gone').put(`seed-${transport}.json`, { seed: true });
      const first = serverSockets.length;
      const slow: Stallable = transport === 'SSE' ? new StallableSseClient(h.url, QUERY, { ns: 'gone' }) : StallableWsClient.open(h.url, QUERY, { ns: 'gone' });
      await until(
        () => h.server.cairn.feed.liveSubscriptions === 1,
        5_000,
        () => 'not live',
      );
      const socket = serverSockets[first]!;
      slow.stall();
      await commitsPerSecond(h, 'gone', transport, 150);
      await until(
        () => h.server.cairn.feed.liveSubscriptions === 0,
        5_000,
        () => 'still subscribed',
      );
      await until(
        () => socket.destroyed,
        3_000,
        () => 'the server kept the connection',
      );
      slow.close();
      expect(history(h, 'gone', seed).length).toBeGreaterThan(slow.events.length);
    },
    30_000,
  );
});
