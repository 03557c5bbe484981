import { setImmediate } from 'node:timers';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrape } from '../server/exposition.js';
import { type Recording, recordWs, until } from '../support/feed-clients.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { DEVELOPMENT_OPERATOR } from '../../src/server/authenticator.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ADMIN: TestToken = { token: 'shared-admin-token', name: 'Ada Admin', email: 'ada@example.com', roles: { '*': 'admin' } };
/** Reads `open` only: events of `closed` must never reach it, though it shares the operation with ADMIN. */
const OUTSIDER: TestToken = { token: 'shared-outsider-token', name: 'Otto Outsider', email: 'otto@example.com', roles: { open: 'viewer' } };

const CHANGES = `subscription($ns: String) { changes(namespace: $ns) { namespace version documents { path newContent } } }`;
const EVERY_NAMESPACE = `subscription { changes { namespace version } }`;
const EXECUTIONS = 'cairn_graphql_subscription_event_executions_total';

/**
 * One change event to many subscribers of the same operation is executed once (issue 17), not once per subscriber;
 * what each subscriber may read is still decided per subscriber.
 */
describe('change events: one execution shared by the subscribers of an operation', () => {
  let h: Harness;
  const versions = new Map<string, string | null>();
  const put = async (namespace: string, n: number): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace, path: 'app.json', content: { n }, expectedVersion: versions.get(namespace) ?? null } },
      ADMIN.token,
    );
    const version = res.data.putConfig.version!.hash;
    versions.set(namespace, version);
    return version;
  };
  const executions = async (): Promise<number> => (await scrape(h.url)).value(EXECUTIONS, {});
  const allReceived = (recordings: readonly Recording[], count: number) => () => recordings.every((r) => r.events.length === count);

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, OUTSIDER] });
    for (const name of ['open', 'closed']) await h.gql(CREATE_NAMESPACE, { name }, ADMIN.token);
  });
  afterAll(() => h.close());

  it('executes an event once for identical subscriptions, once more for each different one', async () => {
    const clients = Array.from({ length: 6 }, () => h.ws(ADMIN.token));
    const same = clients.slice(0, 5).map((client) => recordWs(client, CHANGES, { ns: 'open' }));
    const other = recordWs(clients[5]!, EVERY_NAMESPACE, {});
    await until(
      () => h.server.cairn.feed.liveSubscriptions === 6,
      5_000,
      () => `live: ${h.server.cairn.feed.liveSubscriptions}`,
    );
    const before = await executions();
    const made = await put('open', 1);
    await until(allReceived([...same, other], 1), 5_000, () => JSON.stringify([...same, other].map((r) => r.events)));
    for (const r of same) expect(r.events).toEqual([{ namespace: 'open', version: made, documents: [{ path: 'app.json', newContent: { n: 1 } }] }]);
    expect(other.events).toEqual([{ namespace: 'open', version: made }]);
    expect((await executions()) - before).toBe(2);
    for (const r of [...same, other]) r.stop();
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it('never hands a shared result to a subscriber whose token cannot read the namespace', async () => {
    const admin = h.ws(ADMIN.token);
    const outsider = h.ws(OUTSIDER.token);
    const [seesAll, seesOpen] = [recordWs(admin, EVERY_NAMESPACE, {}), recordWs(outsider, EVERY_NAMESPACE, {})];
    await until(
      () => h.server.cairn.feed.liveSubscriptions === 2,
      5_000,
      () => `live: ${h.server.cairn.feed.liveSubscriptions}`,
    );
    const before = await executions();
    const hidden = await put('closed', 1);
    const shown = await put('open', 2);
    await until(allReceived([seesAll], 2), 5_000, () => JSON.stringify(seesAll.events));
    await until(allReceived([seesOpen], 1), 5_000, () => JSON.stringify(seesOpen.events));
    await h.server.cairn.feed.published();
    expect(seesAll.events.map((e) => e.version)).toEqual([hidden, shown]);
    expect(seesOpen.events.map((e) => e.version)).toEqual([shown]);
    expect((await executions()) - before).toBe(2);
    for (const r of [seesAll, seesOpen]) r.stop();
    await Promise.all([admin.dispose(), outsider.dispose()]);
  });

  it('hands an event to many subscriptions a slice at a time, giving the event loop turns in between, in commit order', async () => {
    const actor = { operator: { ...DEVELOPMENT_OPERATOR, grants: new Map([['*', 'admin' as const]]) }, ip: '127.0.0.1' };
    const count = 120;
    const feeds = await Promise.all(Array.from({ length: count }, () => h.server.cairn.feed.subscribe(actor, { namespace: 'open' })));
    const received: string[][] = feeds.map(() => []);
    const reading = feeds.map(async (feed, i) => {
      for (let n = 0; n < 2; n += 1) received[i]!.push((await feed.next()).value.version);
    });
    const delivered = (): number => received.filter((r) => r.length > 0).length;
    // What other work sees of the fan-out: a task that runs once per turn of the event loop.
    const seenBetweenTurns: number[] = [];
    const watching = (async () => {
      while (delivered() < count) {
        seenBetweenTurns.push(delivered());
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const first = await put('open', 10);
    const second = await put('open', 11);
    await Promise.all([...reading, watching]);
    expect(seenBetweenTurns.some((n) => n > 0 && n < count)).toBe(true);
    for (const r of received) expect(r).toEqual([first, second]);
    await Promise.all(feeds.map((feed) => feed.return?.()));
  });

  it('negotiates no compression: the same message is not deflated once per subscriber', async () => {
    const socket = new WebSocket(`${h.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: true });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    expect(socket.extensions).toBe('');
    socket.close();
  });
});
