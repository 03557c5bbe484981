import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Recording, recordWs, until } from '../support/feed-clients.js';
import { NamespaceWriter } from '../support/feed-writers.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';

const NS = 'bulk';
const WRITERS = 4;
const COMMITS = 2_000;
const SUBSCRIBERS = 50;

const EVERYTHING = `subscription($ns: String) { changes(namespace: $ns) { version parentVersion sequence } }`;
const FILTERED = `subscription($ns: String, $prefix: String, $actions: [CommitAction!]) {
  changes(namespace: $ns, pathPrefix: $prefix, actions: $actions) { version action documents { path } }
}`;

/**
 * Writer `w` updates its own config most of the time, now and then creates a YAML document under lib/ and deletes
 * the oldest one it created, and every 25th commit changes two documents at once: create, update and delete
 * actions, single and multi-document commits, interleaved across writers.
 */
async function write(writer: NamespaceWriter, w: number, commits: number): Promise<void> {
  const created: string[] = [];
  for (let k = 0; k < commits; k += 1) {
    const config = `apps/w${w}/config.json`;
    if (k % 10 === 3) {
      const path = `lib/w${w}/d${k}.yaml`;
      await writer.putText(path, `writer: ${w}\nstep: ${k}\n`);
      created.push(path);
    } else if (k % 10 === 7 && created.length) {
      await writer.remove(created.shift()!);
    } else if (k % 25 === 0) {
      await writer.apply([
        { path: config, content: { writer: w, step: k } },
        { path: `shared/w${w}.json`, content: { step: k } },
      ]);
    } else {
      await writer.put(config, { writer: w, step: k, replicas: k % 7 });
    }
  }
}

function progress(recordings: readonly Recording[]): string {
  const counts = recordings.map((r) => r.events.length);
  return `received between ${Math.min(...counts)} and ${Math.max(...counts)} events; errors ${JSON.stringify(recordings.flatMap((r) => [...r.errors, ...r.failures]).slice(0, 3))}`;
}

describe('the change feed under load', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.gql(CREATE_NAMESPACE, { name: NS });
  });

  afterAll(() => h.close());

  it(`${SUBSCRIBERS} graphql-ws subscribers × ${COMMITS} commits from ${WRITERS} concurrent writers: each receives exactly git's history`, async () => {
    // One WebSocket per subscriber; the filtered subscriptions share the first sockets.
    const clients = Array.from({ length: SUBSCRIBERS }, () => h.ws());
    const everything = clients.map((client) => recordWs(client, EVERYTHING, { ns: NS }));
    const filters = [
      { prefix: 'apps/w1/', actions: null },
      { prefix: null, actions: ['DELETE'] },
      { prefix: 'lib/', actions: ['CREATE', 'DELETE'] },
      { prefix: 'shared/', actions: ['UPDATE'] },
    ];
    const filtered = filters.map((filter, i) => recordWs(clients[i]!, FILTERED, { ns: NS, ...filter }));
    const all = [...everything, ...filtered];
    // The namespace is empty: subscribers listening before the first commit must see the whole history.
    await until(
      () => h.server.cairn.feed.liveSubscriptions === all.length,
      15_000,
      () => `${h.server.cairn.feed.liveSubscriptions} subscriptions live`,
    );

    const started = performance.now();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => write(new NamespaceWriter(h, NS), w, COMMITS / WRITERS)));
    const writeSeconds = (performance.now() - started) / 1000;
    await until(
      () => everything.every((r) => r.events.length >= COMMITS),
      30_000,
      () => progress(everything),
    );
    const deliverySeconds = (performance.now() - started) / 1000;
    console.info(
      `${COMMITS} commits in ${writeSeconds.toFixed(1)} s (${(COMMITS / writeSeconds).toFixed(0)}/s); all ${SUBSCRIBERS} subscribers complete after ${deliverySeconds.toFixed(1)} s`,
    );

    const history = h.git(NS, 'rev-list', '--reverse', 'main').trim().split('\n');
    expect(history).toHaveLength(COMMITS);
    for (const recording of everything) {
      expect(recording.errors).toEqual([]);
      expect(recording.failures).toEqual([]);
      expect(recording.events.map((e) => e.version)).toEqual(history);
    }
    const events = everything[0]!.events;
    expect(events.map((e) => e.sequence)).toEqual(history.map((_, i) => i));
    expect(events.map((e) => e.parentVersion)).toEqual([null, ...history.slice(0, -1)]);

    const actionOf = new Map(
      h
        .git(NS, 'log', '--format=%H %(trailers:key=Cairn-Action,valueonly,separator=)', 'main')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    const touching = (prefix: string): string[] => h.git(NS, 'log', '--reverse', '--format=%H', 'main', '--', prefix).trim().split('\n');
    const withAction = (versions: readonly string[], actions: readonly string[]): string[] => versions.filter((v) => actions.includes(actionOf.get(v)!));
    const expected = [
      touching('apps/w1/'),
      withAction(history, ['delete']),
      withAction(touching('lib/'), ['create', 'delete']),
      withAction(touching('shared/'), ['update']),
    ];
    await until(
      () => filtered.every((r, i) => r.events.length >= expected[i]!.length),
      10_000,
      () => progress(filtered),
    );
    filtered.forEach((recording, i) => {
      expect(expected[i]!.length).toBeGreaterThan(10);
      expect(recording.errors).toEqual([]);
      expect(recording.events.map((e) => e.version)).toEqual(expected[i]);
      for (const event of recording.events) expect(event.action?.toLowerCase()).toBe(actionOf.get(event.version));
    });
  }, 90_000);
});
