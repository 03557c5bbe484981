import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunningServer, startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { CHANGE_TOPIC } from '../../src/services/change-feed.js';
import type { ChangeEvent } from '../../src/services/change-event.js';
import { recordWs, until } from '../support/feed-clients.js';
import { NamespaceWriter } from '../support/feed-writers.js';
import type { Harness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';

const QUERY = `subscription($ns: String, $since: String) { changes(namespace: $ns, since: $since) { version sequence } }`;

/**
 * Events can arrive late, twice, or not at all (a publish that failed, a replica's event bus redelivering): the
 * feed stitches on sequence numbers. The server runs on an event target the test shares, so it can deliver the
 * same event again, exactly when it wants to.
 */
describe('stitching the feed on sequence numbers', () => {
  const events = new EventTarget();
  const published: ChangeEvent[] = [];
  let root: string;
  let server: RunningServer;
  let client: Client;
  let h: Pick<Harness, 'gql'>;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-stitch-'));
    server = await startServer(readSettings({ CAIRN_DATA_DIR: path.join(root, 'repos'), CAIRN_PORT: '0', CAIRN_FSYNC: 'false' }), {
      logger: pino({ level: 'silent' }),
      events,
    });
    events.addEventListener(CHANGE_TOPIC, (e) => {
      if (!redelivering) published.push((e as CustomEvent<ChangeEvent>).detail);
    });
    client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    h = {
      async gql(query, variables = {}) {
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { data: never; errors?: never };
        return { status: res.status, data: body.data, errors: body.errors };
      },
    };
    await h.gql(CREATE_NAMESPACE, { name: 'stitch' });
  });

  afterAll(async () => {
    await client.dispose();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  let redelivering = false;
  const redeliver = (event: ChangeEvent): void => {
    redelivering = true;
    events.dispatchEvent(new CustomEvent(CHANGE_TOPIC, { detail: event }));
    redelivering = false;
  };

  it('after a replay, live events the replay covered are dropped, and an event delivered twice is seen once', async () => {
    // Events are built only while someone listens: a live subscriber first, so every commit's event is published.
    const listening = recordWs(client, QUERY, { ns: 'stitch' });
    await until(
      () => server.cairn.feed.liveSubscriptions === 1,
      5_000,
      () => `${server.cairn.feed.liveSubscriptions} live`,
    );
    const writer = new NamespaceWriter(h as Harness, 'stitch');
    const seed = await writer.put('a.json', { n: 0 });
    const versions: string[] = [];
    for (let n = 1; n <= 10; n += 1) versions.push(await writer.put('a.json', { n }));
    await until(
      () => published.length === 11,
      5_000,
      () => `${published.length} published`,
    );

    const recording = recordWs(client, QUERY, { ns: 'stitch', since: seed });
    await until(
      () => server.cairn.feed.liveSubscriptions === 2 && recording.events.length === 10,
      5_000,
      () => `${recording.events.length} replayed`,
    );
    // Late copies of replayed commits, as a slow event bus would deliver them after the replay.
    for (const event of published.slice(1)) redeliver(event);
    const next = await writer.put('a.json', { n: 11 });
    await until(
      () => published.length === 12,
      5_000,
      () => 'not published',
    );
    redeliver(published.at(-1)!);
    const last = await writer.put('a.json', { n: 12 });
    await until(
      () => recording.events.at(-1)?.version === last,
      5_000,
      () => JSON.stringify(recording.events.slice(-3)),
    );
    recording.stop();
    listening.stop();
    expect(recording.events.map((e) => e.version)).toEqual([...versions, next, last]);
    expect(recording.events.map((e) => e.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});
