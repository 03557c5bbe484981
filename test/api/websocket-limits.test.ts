import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Recording, recordWs, until } from '../support/feed-clients.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { type OpenSocket, type StreamResult, isRefused, openAcknowledged, openSocket, streamFragments, streamOneFrame } from '../support/raw-websocket.js';
import { ADMIN } from '../support/tokens.js';

const MiB = 1024 * 1024;

describe('a WebSocket message is at most CAIRN_WS_MAX_PAYLOAD_BYTES (1 MiB by default)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
  });

  afterAll(() => h.close());

  it('closes a socket that sends a 2 MiB connection_init with 1009', async () => {
    const opened = await openSocket(h.url);
    if (isRefused(opened)) throw new Error(`refused: ${opened.status}`);
    opened.socket.on('error', () => undefined);
    opened.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN.token}`, pad: 'x'.repeat(2 * MiB) } }));
    expect((await opened.closed).code).toBe(1009);
    // A message just under the cap is an ordinary one.
    const small = await openSocket(h.url);
    if (isRefused(small)) throw new Error(`refused: ${small.status}`);
    const acked = new Promise<string>((resolve) => small.socket.on('message', (data) => resolve((JSON.parse(String(data)) as { type: string }).type)));
    small.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN.token}`, pad: 'x'.repeat(MiB - 200) } }));
    expect(await acked).toBe('connection_ack');
    small.socket.close();
  });

  it('cuts off a message announced bigger than the cap, in one frame or in fragments, before it is buffered: memory stays flat', async () => {
    const attempt = 32 * MiB;
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    let results: StreamResult[];
    try {
      // 4 × 32 MiB: what the server held before the cap (ws's default allowed 100 MiB per message).
      results = await Promise.all([
        streamOneFrame(h.url, 48 * MiB, attempt),
        streamOneFrame(h.url, 48 * MiB, attempt),
        streamFragments(h.url, attempt),
        streamFragments(h.url, attempt),
      ]);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage.rss());
    console.info(
      `oversized messages: sent ${results.map((r) => `${(r.bytesSent / MiB).toFixed(1)} MiB`).join(', ')} before 1009; RSS peak +${((peak - baseline) / MiB).toFixed(1)} MB`,
    );
    for (const result of results) {
      expect(result.closeCode).toBe(1009);
      // The server said so at once (one frame: from its header; fragments: once they pass 1 MiB), not after
      // reading what the client meant to send.
      expect(result.bytesSent).toBeLessThan(4 * MiB);
    }
    // Server and clients share this process: its RSS is the server's plus a few chunks in flight.
    expect((peak - baseline) / MiB).toBeLessThan(32);
    const still = await openAcknowledged(h.url, ADMIN.token);
    still.socket.close();
  }, 60_000);
});

/** An upgrade's outcome: 101 (then closed at once), or the refusal's status and body. */
async function upgradeOutcome(url: string): Promise<{ status: number; body?: { errors: { message: string; extensions: { code: string; limit: number } }[] } }> {
  const opened = await openSocket(url);
  if (isRefused(opened)) return { status: opened.status, body: JSON.parse(opened.body) as never };
  opened.socket.close();
  await opened.closed;
  return { status: 101 };
}

describe('WebSockets per client address (CAIRN_WS_MAX_CONNECTIONS_PER_IP)', () => {
  let h: Harness;
  const CAP = 3;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN], env: { CAIRN_WS_MAX_CONNECTIONS_PER_IP: String(CAP) } });
  });

  afterAll(() => h.close());

  /** Opens acknowledged sockets until the cap; the first that cannot open must be refused with 429. */
  async function fillUp(open: OpenSocket[]): Promise<void> {
    while (open.length < CAP) open.push(await openAcknowledged(h.url, ADMIN.token));
    const refused = await upgradeOutcome(h.url);
    expect(refused.status).toBe(429);
  }

  /** Once `socket` is closed by whichever side, the server frees its slot: an upgrade succeeds again. */
  async function slotFreed(): Promise<OpenSocket> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const opened = await openSocket(h.url);
      if (!isRefused(opened)) return opened;
      if (Date.now() > deadline) throw new Error(`slot never freed: ${opened.status} ${opened.body}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('refuses the upgrade over the cap with 429 and a JSON error, before the handshake', async () => {
    const open: OpenSocket[] = [];
    await fillUp(open);
    const refused = await upgradeOutcome(h.url);
    expect(refused).toEqual({
      status: 429,
      body: {
        errors: [{ message: expect.stringMatching(/too many WebSocket connections/) as unknown, extensions: { code: 'TOO_MANY_CONNECTIONS', limit: CAP } }],
      },
    });
    // HTTP is not capped, and the open sockets still work.
    expect((await h.gql('{ __typename }')).status).toBe(200);
    for (const o of open) o.socket.close();
    await Promise.all(open.map((o) => o.closed));
  });

  it('frees a slot however the socket closes: by the client, reset, by the server (4403, 1009, 4408)', async () => {
    const open: OpenSocket[] = [];
    await fillUp(open);

    open.shift()!.socket.close(1000);
    open.push(await replaceWith(await slotFreed()));

    open.shift()!.socket.terminate();
    open.push(await replaceWith(await slotFreed()));

    // Server-side closes: an unknown token (4403), an oversized message (1009), no connection_init in time (4408).
    const victim = open.shift()!;
    victim.socket.close();
    await victim.closed;
    const badToken = await slotFreed();
    badToken.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer nope' } }));
    expect((await badToken.closed).code).toBe(4403);
    const oversized = await slotFreed();
    oversized.socket.on('error', () => undefined);
    oversized.socket.send('x'.repeat(2 * MiB));
    expect((await oversized.closed).code).toBe(1009);
    const silent = await slotFreed();
    expect((await silent.closed).code).toBe(4408);
    open.push(await replaceWith(await slotFreed()));

    expect(open).toHaveLength(CAP);
    expect((await upgradeOutcome(h.url)).status).toBe(429);
    for (const o of open) o.socket.close();
    await Promise.all(open.map((o) => o.closed));
  }, 30_000);

  /** A freshly opened socket, completed with connection_init so it stays. */
  async function replaceWith(opened: OpenSocket): Promise<OpenSocket> {
    const acked = new Promise<void>((resolve) => opened.socket.once('message', () => resolve()));
    opened.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN.token}` } }));
    await acked;
    return opened;
  }
});

describe('WebSockets awaiting connection_init (CAIRN_WS_MAX_PENDING_CONNECTIONS)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN], env: { CAIRN_WS_MAX_PENDING_CONNECTIONS: '2' } });
    await h.gql(CREATE_NAMESPACE, { name: 'pending' });
  });

  afterAll(() => h.close());

  it('closes the oldest silent socket (1013) to make room; authenticated sockets do not count', async () => {
    const silent = async (): Promise<OpenSocket> => {
      const opened = await openSocket(h.url);
      if (isRefused(opened)) throw new Error(`refused: ${opened.status}`);
      return opened;
    };
    const first = await silent();
    const second = await silent();
    const third = await silent();
    expect(await first.closed).toEqual({ code: 1013, reason: expect.stringMatching(/connection_init/) as unknown });
    expect(second.socket.readyState).toBe(WebSocket.OPEN);
    expect(third.socket.readyState).toBe(WebSocket.OPEN);

    // A client that means it connects, though silent sockets hold every pending slot: the oldest makes room.
    const client = h.ws();
    const head = await queryOver(client, '{ __typename }');
    expect(head).toEqual({ __typename: 'Query' });
    expect((await second.closed).code).toBe(1013);

    // Acknowledged sockets left the pending set: more of them than the cap open without closing anyone.
    const acknowledged = [await openAcknowledged(h.url, ADMIN.token), await openAcknowledged(h.url, ADMIN.token), await openAcknowledged(h.url, ADMIN.token)];
    expect(acknowledged.map((a) => a.socket.readyState)).toEqual([WebSocket.OPEN, WebSocket.OPEN, WebSocket.OPEN]);
    expect(third.socket.readyState).toBe(WebSocket.OPEN);
    for (const o of [...acknowledged, third]) o.socket.close();
  });
});

/** One query over graphql-ws: its data, or the error it ended with. */
function queryOver(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let data: unknown = null;
    client.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) reject(new Error(JSON.stringify(result.errors)));
          data = result.data;
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(data),
      },
    );
  });
}

/** Every message a graphql-ws operation got: `next` payloads' errors and the `error` message's errors alike. */
function errorCodes(recording: Recording): string[] {
  const refused = recording.failures.flatMap((f) => (Array.isArray(f) ? (f as { extensions?: { code?: string } }[]) : []));
  return [...recording.errors, ...refused].map((e) => String(e.extensions?.code));
}

describe('operations per WebSocket (CAIRN_WS_MAX_SUBSCRIPTIONS)', () => {
  let h: Harness;
  const CAP = 3;
  const NS = 'subs';
  const FEED = `subscription($ns: String, $since: String) { changes(namespace: $ns, since: $since) { version } }`;
  let version = '';

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN], env: { CAIRN_WS_MAX_SUBSCRIPTIONS: String(CAP) } });
    await h.gql(CREATE_NAMESPACE, { name: NS });
    version = await put(0);
  });

  afterAll(() => h.close());

  async function put(n: number): Promise<string> {
    const res = await h.gql<{ putConfig: { version: { hash: string } } }>(
      `mutation($input: PutConfigInput!) { putConfig(input: $input) { ... on WritePayload { version { hash } } } }`,
      { input: { namespace: NS, path: 'app.json', content: { n }, expectedVersion: version || null } },
    );
    version = res.data.putConfig.version.hash;
    return version;
  }

  /** From the current head: it misses no later commit, however long the subscribe message takes to arrive. */
  const subscribe = (client: Client): Recording => recordWs(client, FEED, { ns: NS, since: version });

  const settled = (r: Recording): boolean => r.completed || r.failures.length > 0;

  it('answers the operation over the cap with TOO_MANY_SUBSCRIPTIONS; the others keep receiving; any way an operation ends frees its slot', async () => {
    const client = h.ws();
    const live = [subscribe(client), subscribe(client), subscribe(client)];
    const refused = subscribe(client);
    await until(
      () => settled(refused),
      10_000,
      () => 'the fourth subscription was not refused',
    );
    expect(errorCodes(refused)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    expect(JSON.stringify(refused.failures)).toContain(`"limit":${CAP}`);

    let expected = await put(1);
    await until(
      () => live.every((r) => r.events.at(-1)?.version === expected),
      10_000,
      () => 'the live subscriptions missed the commit',
    );

    // The client completes one: its slot is free for the next.
    live.pop()!.stop();
    const replacement = subscribe(client);
    live.push(replacement);
    expected = await put(2);
    await until(
      () => live.every((r) => r.events.at(-1)?.version === expected),
      10_000,
      () => 'the replacement did not receive the commit',
    );
    live.pop()!.stop();

    // The server completes queries: more of them one after the other than there are slots.
    for (let i = 0; i < CAP + 1; i += 1) expect(await queryOver(client, '{ __typename }')).toEqual({ __typename: 'Query' });
    // Errors end operations too: validation (an `error` message) and a subscription refused by its resolver.
    for (let i = 0; i < CAP + 1; i += 1) {
      const invalid = recordWs(client, 'subscription { nope }', {});
      await until(
        () => settled(invalid),
        10_000,
        () => 'no validation error',
      );
      expect(invalid.failures).toHaveLength(1);
      expect(errorCodes(invalid)).not.toContain('TOO_MANY_SUBSCRIPTIONS');
      const unknownSince = recordWs(client, FEED, { ns: NS, since: 'nope' });
      await until(
        () => settled(unknownSince),
        10_000,
        () => 'no INVALID_REF',
      );
      expect(errorCodes(unknownSince)).toEqual(['INVALID_REF']);
    }

    // Two live, one slot left: exactly one more fits.
    const third = subscribe(client);
    const over = subscribe(client);
    await until(
      () => settled(over),
      10_000,
      () => 'the subscription over the cap was not refused',
    );
    expect(errorCodes(over)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
    live.push(third);
    expected = await put(3);
    await until(
      () => live.every((r) => r.events.at(-1)?.version === expected),
      10_000,
      () => 'a live subscription missed the last commit',
    );
    expect(live.every((r) => r.failures.length === 0 && r.errors.length === 0)).toBe(true);
  }, 60_000);

  it('counts per connection: another socket has its own slots', async () => {
    const first = h.ws();
    const second = h.ws();
    const recordings = [...Array.from({ length: CAP }, () => subscribe(first)), ...Array.from({ length: CAP }, () => subscribe(second))];
    const expected = await put(4);
    await until(
      () => recordings.every((r) => r.events.at(-1)?.version === expected),
      10_000,
      () => 'a subscription missed the commit',
    );
    expect(recordings.flatMap(errorCodes)).toEqual([]);
    for (const r of recordings) r.stop();
  });
});
