import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { StallableSseClient, StallableWsClient, recordSse, recordWs, until } from '../support/feed-clients.js';
import { type Harness, startHarness } from '../support/harness.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import { CREATE_WEBHOOK } from '../support/webhook-operations.js';
import { type Scrape, scrape, scrapeUntil } from './exposition.js';

const CREATE = `mutation CreateNs($name: String!) { createNamespace(input: { name: $name }) { __typename } }`;
const PUT = `mutation Put($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } } }`;
/** Selects no __typename: the outcome label must not depend on what the client asked for. */
const PUT_QUIET = `mutation PutQuiet($input: PutConfigInput!) { putConfig(input: $input) { ... on WritePayload { status } } }`;
const ROLLBACK = `mutation Rollback($input: RollbackInput!) { rollback(input: $input) { __typename } }`;
const READ = `query Read($ns: String!) { namespace(name: $ns) { ... on Namespace { name } } }`;
const WATCH_CONTENT = `subscription WatchContent($ns: String) { changes(namespace: $ns) { version documents { newContent } } }`;
const WATCH = `subscription Watch($ns: String, $since: String) { changes(namespace: $ns, since: $since) { version } }`;

type Put = { putConfig: { __typename: string; version?: { hash: string } } };

describe('/metrics', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });
  async function harness(env: Record<string, string> = {}): Promise<Harness> {
    // HTTP requests are counted by the HTTP server, before yoga: these go over a socket.
    const h = await startHarness({ transport: 'http', env });
    open.push(h);
    return h;
  }
  const delta = (before: Scrape, after: Scrape, name: string, labels: Record<string, string>): number => after.value(name, labels) - before.value(name, labels);

  it('counts operations by name and outcome, commits by action, version conflicts, and reads the index size on scrape', async () => {
    const h = await harness();
    const other = await harness();
    await h.gql(CREATE, { name: 'm' });
    const before = await scrape(h.url);
    const first = await h.gql<Put>(PUT, { input: { namespace: 'm', path: 'a.json', content: { v: 1 }, expectedVersion: null } });
    const v1 = first.data.putConfig.version!.hash;
    const second = await h.gql<Put>(PUT, { input: { namespace: 'm', path: 'a.json', content: { v: 2 }, expectedVersion: v1 } });
    expect(second.data.putConfig.__typename).toBe('WritePayload');
    const conflict = await h.gql(PUT_QUIET, { input: { namespace: 'm', path: 'a.json', content: { v: 3 }, expectedVersion: v1 } });
    expect(conflict.data).toEqual({ putConfig: {} });
    await h.gql(ROLLBACK, { input: { namespace: 'm', to: v1, expectedVersion: 'HEAD' } });
    await h.gql(READ, { ns: 'missing' });
    await h.gql('query Broken { nope }');
    await h.gql('{ __typename }');
    const after = await scrape(h.url);

    const ops = 'cairn_graphql_operations_total';
    expect(delta(before, after, ops, { operation: 'Put', type: 'mutation', outcome: 'ok' })).toBe(2);
    expect(delta(before, after, ops, { operation: 'PutQuiet', type: 'mutation', outcome: 'VersionConflict' })).toBe(1);
    expect(delta(before, after, ops, { operation: 'PutQuiet' })).toBe(1);
    expect(delta(before, after, ops, { operation: 'Rollback', type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(delta(before, after, ops, { operation: 'Read', type: 'query', outcome: 'NotFound' })).toBe(1);
    expect(delta(before, after, ops, { operation: 'Broken', type: 'query', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(delta(before, after, ops, { operation: '(anonymous)', type: 'query', outcome: 'ok' })).toBe(1);
    expect(delta(before, after, 'cairn_graphql_operation_duration_seconds_count', { operation: 'Put', type: 'mutation' })).toBe(2);
    expect(delta(before, after, 'cairn_graphql_operation_duration_seconds_bucket', { operation: 'Put', type: 'mutation', le: '+Inf' })).toBe(2);

    expect(delta(before, after, 'cairn_version_conflicts_total', { namespace: 'm' })).toBe(1);
    expect(delta(before, after, 'cairn_commits_total', { namespace: 'm', action: 'create', origin: 'commit' })).toBe(1);
    expect(delta(before, after, 'cairn_commits_total', { namespace: 'm', action: 'update', origin: 'commit' })).toBe(1);
    expect(delta(before, after, 'cairn_commits_total', { namespace: 'm', action: 'rollback', origin: 'commit' })).toBe(1);
    expect(delta(before, after, 'cairn_commits_total', { namespace: 'm' })).toBe(3);

    const commits = Number(h.git('m', 'rev-list', '--count', 'main').trim());
    expect(commits).toBe(3);
    expect(after.value('cairn_index_commits', { namespace: 'm' })).toBe(commits);
    expect(delta(before, after, 'cairn_http_requests_total', { route: 'graphql', method: 'POST' })).toBe(7);
    expect(after.value('cairn_ready')).toBe(1);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
    expect(after.has('nodejs_eventloop_lag_seconds')).toBe(true);

    // Each server has its own registry: the other one saw none of this.
    const quiet = await scrape(other.url);
    expect(quiet.value(ops)).toBe(0);
    expect(quiet.has('cairn_commits_total', { namespace: 'm' })).toBe(false);
  });

  it('counts commits learnt from the disk (the git CLI) as origin "sync", without a Cairn action as "external"', async () => {
    const h = await harness();
    await h.gql(CREATE, { name: 'cli' });
    await h.gql<Put>(PUT, { input: { namespace: 'cli', path: 'a.json', content: { v: 1 }, expectedVersion: null } });
    const tree = h.git('cli', 'rev-parse', 'main^{tree}').trim();
    const commit = h.git('cli', 'commit-tree', tree, '-p', 'main', '-m', 'by hand').trim();
    h.git('cli', 'update-ref', 'refs/heads/main', commit);
    const before = await scrape(h.url);
    // A write catches the index up with the disk first.
    await h.gql<Put>(PUT, { input: { namespace: 'cli', path: 'b.json', content: { v: 1 }, expectedVersion: null } });
    const after = await scrape(h.url);
    expect(delta(before, after, 'cairn_commits_total', { namespace: 'cli', action: 'external', origin: 'sync' })).toBe(1);
    expect(delta(before, after, 'cairn_commits_total', { namespace: 'cli', action: 'create', origin: 'commit' })).toBe(1);
    expect(after.value('cairn_index_commits', { namespace: 'cli' })).toBe(3);
  });

  it('keeps operation names to a bounded set: later new names, and overlong ones, count as "(other)"', async () => {
    const h = await harness({ CAIRN_METRICS_MAX_OPERATION_NAMES: '3' });
    for (const name of ['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q1', `L${'x'.repeat(100)}`]) await h.gql(`query ${name} { __typename }`);
    const after = await scrape(h.url);
    const ops = 'cairn_graphql_operations_total';
    expect(after.value(ops, { operation: 'Q1' })).toBe(2);
    expect(after.value(ops, { operation: 'Q2' })).toBe(1);
    expect(after.value(ops, { operation: 'Q3' })).toBe(1);
    expect(after.value(ops, { operation: '(other)' })).toBe(3);
    expect(after.has(ops, { operation: 'Q4' })).toBe(false);
    expect(new Set(after.samples.filter((s) => s.name === ops).map((s) => s.labels.operation))).toEqual(new Set(['Q1', 'Q2', 'Q3', '(other)']));
  });

  it('tracks active subscriptions over graphql-ws and SSE, back to 0 however they end', async () => {
    const h = await harness();
    await h.gql(CREATE, { name: 'feed' });
    const active = (transport: string) => (s: Scrape) => s.value('cairn_graphql_subscriptions_active', { transport });
    const before = await scrape(h.url);
    expect(active('ws')(before)).toBe(0);
    expect(active('sse')(before)).toBe(0);

    // graphql-ws: one ended by the client's complete, one by the socket closing.
    const client = h.ws();
    const unsubscribed = recordWs(client, WATCH, { ns: 'feed' });
    const dropped = StallableWsClient.open(h.url, WATCH, { ns: 'feed' });
    const sse = recordSse(h.url, WATCH, { ns: 'feed' });
    await scrapeUntil(h.url, (s) => active('ws')(s) === 2 && active('sse')(s) === 1);
    await h.gql<Put>(PUT, { input: { namespace: 'feed', path: 'a.json', content: { v: 1 }, expectedVersion: null } });
    await until(
      () => unsubscribed.events.length === 1 && dropped.events.length === 1 && sse.events.length === 1,
      10_000,
      () => 'an event on each subscription',
    );

    unsubscribed.stop();
    await scrapeUntil(h.url, (s) => active('ws')(s) === 1);
    await client.dispose();
    sse.stop();
    await scrapeUntil(h.url, (s) => active('sse')(s) === 0);
    dropped.close();
    await scrapeUntil(h.url, (s) => active('ws')(s) === 0);

    // A subscription refused at once (a since that is not in history) never counts as active.
    const refused = recordWs(h.ws(), WATCH, { ns: 'feed', since: 'f'.repeat(40) });
    await until(
      () => refused.errors.length === 1,
      10_000,
      () => 'the refusal',
    );
    const after = await scrape(h.url);
    expect(active('ws')(after)).toBe(0);
    const ops = 'cairn_graphql_operations_total';
    expect(delta(before, after, ops, { operation: 'Watch', type: 'subscription', outcome: 'ok' })).toBe(3);
    expect(delta(before, after, ops, { operation: 'Watch', type: 'subscription', outcome: 'INVALID_REF' })).toBe(1);
  });

  it.each(['ws', 'sse'])('over %s, a subscriber the server cuts off for not reading leaves the gauge too', async (transport) => {
    const h = await harness({ CAIRN_FEED_MAX_BUFFERED_EVENTS: '2', CAIRN_FEED_DISCONNECT_GRACE_MS: '300' });
    await h.gql(CREATE, { name: 'slow' });
    const active = (s: Scrape) => s.value('cairn_graphql_subscriptions_active', { transport });
    const slow =
      transport === 'ws' ? StallableWsClient.open(h.url, WATCH_CONTENT, { ns: 'slow' }) : new StallableSseClient(h.url, WATCH_CONTENT, { ns: 'slow' });
    await scrapeUntil(h.url, (s) => active(s) === 1);
    slow.stall();
    // Large events fill the socket buffers; then the feed buffer overflows and the server disconnects it.
    const padding = 'x'.repeat(64_000);
    let version: string | null = null;
    for (let i = 0; i < 400 && active(await scrape(h.url)) === 1; i += 1) {
      const put: { data: Put } = await h.gql<Put>(PUT, { input: { namespace: 'slow', path: 'big.json', content: { i, padding }, expectedVersion: version } });
      version = put.data.putConfig.version!.hash;
    }
    expect(active(await scrapeUntil(h.url, (s) => active(s) === 0))).toBe(0);
    slow.close();
  });

  it('counts webhook deliveries by status and outcome', async () => {
    const receiver: Receiver = await startReceiver((n) => (n === 0 ? 503 : 200));
    open.push(receiver);
    const h = await harness({ CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms' });
    await h.gql(CREATE, { name: 'hooks' });
    const created = await h.gql<{ createWebhook: { __typename: string } }>(CREATE_WEBHOOK, { input: { namespace: 'hooks', url: receiver.url } });
    expect(created.data.createWebhook.__typename).toBe('WebhookSecretPayload');
    await h.gql<Put>(PUT, { input: { namespace: 'hooks', path: 'a.json', content: { v: 1 }, expectedVersion: null } });
    await receiver.waitFor(2);
    const deliveries = 'cairn_webhook_deliveries_total';
    const after = await scrapeUntil(h.url, (s) => s.value(deliveries, { status: '200' }) === 1);
    expect(after.value(deliveries, { namespace: 'hooks', status: '503', outcome: 'retrying' })).toBe(1);
    expect(after.value(deliveries, { namespace: 'hooks', status: '200', outcome: 'delivered' })).toBe(1);
    expect(after.value(deliveries)).toBe(2);
    expect(after.value('cairn_webhook_delivery_duration_seconds_count')).toBe(2);
    // The webhook definition is a commit of the system repository, not of a namespace.
    expect(after.has('cairn_commits_total', { namespace: '.cairn' })).toBe(false);
    expect(after.has('cairn_index_commits', { namespace: '.cairn' })).toBe(false);
  });

  it('with CAIRN_METRICS_TOKEN, answers only requests carrying it', async () => {
    const h = await harness({ CAIRN_METRICS_TOKEN: 'scrape-secret' });
    const get = (authorization?: string) => fetch(`${h.url}/metrics`, { headers: authorization ? { authorization } : {} });
    const none = await get();
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get('Bearer wrong')).status).toBe(401);
    expect((await get('scrape-secret')).status).toBe(401);
    const ok = await get('Bearer scrape-secret');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('cairn_ready 1');
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(!external)('without a token, refuses clients that are not on loopback', async () => {
    const tokens = [{ token: 'a-long-test-token', name: 'T', email: 't@example.com', roles: { '*': 'admin' as const } }];
    const h = await startHarness({ tokens, env: { CAIRN_HOST: '0.0.0.0', CAIRN_TLS_TERMINATED_BY_PROXY: 'true' } });
    open.push(h);
    const port = new URL(h.url).port;
    const remote = await fetch(`http://${external}:${port}/metrics`);
    expect(remote.status).toBe(403);
    expect(await remote.text()).toContain('CAIRN_METRICS_TOKEN');
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
  });

  it('exports the event loop delay since the last scrape (p50, p99, max): a stalled loop shows, then clears', async () => {
    const h = await harness();
    await scrape(h.url);
    // Node's monitor records nothing until its first tick after a reset (each scrape resets it): a stall that starts
    // before that tick is not seen. Production scrapes seconds apart; here the loop gets its tick first.
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The server runs in this process: holding the thread for 300 ms is a request that never gives way.
    const end = performance.now() + 300;
    while (performance.now() < end) {
      // busy
    }
    // The monitor records a stall when its own timer next fires: give the loop a few turns before scraping.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stalled = await scrape(h.url);
    expect(stalled.value('nodejs_eventloop_lag_max_seconds')).toBeGreaterThanOrEqual(0.25);
    expect(stalled.has('nodejs_eventloop_lag_p50_seconds')).toBe(true);
    expect(stalled.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    // Each scrape covers the time since the previous one.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const calm = await scrape(h.url);
    expect(calm.value('nodejs_eventloop_lag_max_seconds')).toBeLessThan(0.25);
  });
});
