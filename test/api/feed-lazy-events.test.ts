import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWs, until } from '../support/feed-clients.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const CHANGES = `subscription($ns: String) { changes(namespace: $ns) { version documents { path newContent } } }`;
const LIVE = `query { namespace(name: "lazy") { ... on Namespace { head { hash } } } }`;

/**
 * Change events are built only for someone listening (issue 17): a commit with no live subscriber costs no event
 * (reading and diffing its documents), and one event is built per commit however many subscribers share it.
 * Webhook workers hear of every commit without one.
 */
describe('change events: built lazily, once per commit', () => {
  let h: Harness;
  let version: string | null = null;
  const put = async (n: number): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'lazy', path: 'app.json', content: { n }, expectedVersion: version },
    });
    version = res.data.putConfig.version!.hash;
    await h.server.cairn.feed.published();
    return version;
  };

  beforeAll(async () => {
    h = await startHarness();
    await h.gql(CREATE_NAMESPACE, { name: 'lazy' });
  });
  afterAll(() => h.close());

  it('builds no event while nobody listens', async () => {
    const before = h.server.cairn.feed.eventsBuilt;
    await put(1);
    await put(2);
    expect(h.server.cairn.feed.eventsBuilt).toBe(before);
  });

  it('builds one event per commit for every live subscriber together, and none again once they left', async () => {
    const clients = [h.ws(), h.ws()];
    const recordings = clients.map((client) => recordWs(client, CHANGES, { ns: 'lazy' }));
    await until(
      () => h.server.cairn.feed.liveSubscriptions === 2,
      5_000,
      () => `live: ${h.server.cairn.feed.liveSubscriptions}`,
    );
    const before = h.server.cairn.feed.eventsBuilt;
    const made = await put(3);
    await until(
      () => recordings.every((r) => r.events.length === 1),
      5_000,
      () => JSON.stringify(recordings.map((r) => r.events)),
    );
    expect(recordings.map((r) => r.events[0]?.version)).toEqual([made, made]);
    expect(h.server.cairn.feed.eventsBuilt).toBe(before + 1);
    for (const r of recordings) r.stop();
    await until(
      () => h.server.cairn.feed.liveSubscriptions === 0,
      5_000,
      () => `live: ${h.server.cairn.feed.liveSubscriptions}`,
    );
    await put(4);
    expect(h.server.cairn.feed.eventsBuilt).toBe(before + 1);
    await Promise.all(clients.map((c) => c.dispose()));
    expect((await h.gql<{ namespace: { head: { hash: string } } }>(LIVE)).data.namespace.head.hash).toBe(version);
  });
});
