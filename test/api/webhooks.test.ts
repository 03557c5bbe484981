import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, DELETE_CONFIG, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { type Receiver, startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.js';
import {
  CREATE_WEBHOOK,
  DELETE_WEBHOOK,
  REDELIVER,
  ROTATE_SECRET,
  UPDATE_WEBHOOK,
  WEBHOOK,
  WEBHOOKS,
  type WebhookData,
} from '../support/webhook-operations.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await sleep(25);
  }
}

interface Body {
  type: string;
  timestamp: string;
  data: { id: string; namespace: string; version: string; sequence: number; action: string; documents: { path: string }[] };
}

describe('webhooks', () => {
  let h: Harness;
  const receivers: Receiver[] = [];
  let namespaceCount = 0;

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms,50ms', CAIRN_WEBHOOK_TIMEOUT_MS: '2000' } });
  });
  afterAll(() => h.close());
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  async function receiver(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  }

  async function namespace(): Promise<string> {
    const name = `hooks-${(namespaceCount += 1)}`;
    await h.gql(CREATE_NAMESPACE, { name });
    return name;
  }

  async function put(ns: string, file: string, content: unknown): Promise<string> {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: ns, path: file, content, expectedVersion: 'HEAD' } });
    let result = res.data.putConfig;
    if (result.__typename === 'VersionConflict' || result.__typename === 'InvalidRef') {
      result = (await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: ns, path: file, content, expectedVersion: null } })).data.putConfig;
    }
    if (!result.version) throw new Error(JSON.stringify(result));
    return result.version.hash;
  }

  async function createWebhook(input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const res = await h.gql<{ createWebhook: { __typename: string; secret: string; webhook: WebhookData } }>(CREATE_WEBHOOK, { input });
    expect(res.data.createWebhook.__typename, JSON.stringify(res.data)).toBe('WebhookSecretPayload');
    return { id: res.data.createWebhook.webhook.id, secret: res.data.createWebhook.secret };
  }

  async function webhook(id: string, first = 50): Promise<WebhookData> {
    const res = await h.gql<{ webhook: WebhookData }>(WEBHOOK, { id, first });
    return res.data.webhook;
  }

  function cursorOf(ns: string, id: string): string {
    return h.git(ns, 'rev-parse', `refs/cairn/webhooks/${id}`).trim();
  }

  it('delivers each commit after its creation, in commit order, signed as Standard Webhooks specifies', async () => {
    const ns = await namespace();
    await put(ns, 'before.json', { created: 'before the webhook' });
    const r = await receiver();
    const { id, secret } = await createWebhook({ namespace: ns, url: r.url });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const versions: string[] = [];
    for (let i = 0; i < 5; i += 1) versions.push(await put(ns, `doc-${i % 2}.json`, { i }));

    const requests = await r.waitFor(5);
    expect(requests.map((q) => q.id)).toEqual(versions.map((v) => `${ns}:${v}`));
    for (const [i, q] of requests.entries()) {
      expect(verifyStandardWebhook(secret, q), `signature of request ${i}`).toBe(true);
      expect(q.headers['content-type']).toBe('application/json');
      const body = JSON.parse(q.body) as Body;
      expect(body.type).toBe('config.changed');
      expect(body.data).toMatchObject({ id: versions[i], namespace: ns, version: versions[i], sequence: i + 1 });
      expect(body.timestamp).toBe(new Date(body.timestamp).toISOString());
      expect(body.data.documents.map((d) => d.path)).toEqual([`doc-${i % 2}.json`]);
    }
    // The independent check can fail: a changed body, id, or another secret do not verify.
    const first = requests[0]!;
    expect(verifyStandardWebhook(secret, { ...first, body: first.body.replace('"i":0', '"i":1') })).toBe(false);
    expect(verifyStandardWebhook(secret, { ...first, id: `${ns}:0000` })).toBe(false);
    expect(verifyStandardWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', first)).toBe(false);

    await eventually(
      () => webhook(id),
      (w) => w.deliveredVersion === versions[4],
    );
    expect(cursorOf(ns, id)).toBe(versions[4]);
    const state = await webhook(id);
    expect(state).toMatchObject({ status: 'ACTIVE', pendingVersions: 0, enabled: true, createdBy: { email: 'dev@localhost' } });
    expect(state.deliveries!.edges.map((e) => e.node.outcome)).toEqual(Array(5).fill('DELIVERED'));
    expect(state.deliveries!.edges[0]!.node).toMatchObject({ eventId: `${ns}:${versions[4]}`, attempt: 1, trigger: 'EVENT', statusCode: 200, error: null });
  });

  it('a receiver failing the first 2 attempts gets the event on the 3rd, with the same webhook-id', async () => {
    const ns = await namespace();
    const r = await receiver((n) => [500, 503][n] ?? 200);
    const { id, secret } = await createWebhook({ namespace: ns, url: r.url });
    const version = await put(ns, 'app.yaml', { replicas: 3 });

    const requests = await r.waitFor(3);
    expect(requests.map((q) => q.id)).toEqual(Array(3).fill(`${ns}:${version}`));
    expect(new Set(requests.map((q) => q.body)).size).toBe(1);
    for (const q of requests) expect(verifyStandardWebhook(secret, q)).toBe(true);

    await eventually(
      () => webhook(id),
      (w) => w.deliveredVersion === version,
    );
    // Read again: fields of one response are resolved one after the other while deliveries go on.
    const log = (await webhook(id)).deliveries!.edges.map((e) => e.node);
    expect(log.map((d) => [d.attempt, d.statusCode, d.outcome])).toEqual([
      [3, 200, 'DELIVERED'],
      [2, 503, 'RETRYING'],
      [1, 500, 'RETRYING'],
    ]);
    for (const d of log) expect(d.latencyMs).toBeGreaterThanOrEqual(0);
    expect(log[1]!.nextAttemptAt).not.toBeNull();
    expect(Date.parse(log[1]!.nextAttemptAt!) - Date.parse(log[1]!.time)).toBeGreaterThanOrEqual(40);
    await sleep(200);
    expect(r.received).toHaveLength(3);
  });

  it('delivers only commits matching pathPrefix and actions; the others still move the cursor', async () => {
    const ns = await namespace();
    const r = await receiver();
    const { id } = await createWebhook({ namespace: ns, url: r.url, pathPrefix: 'services/', actions: ['CREATE', 'UPDATE'] });
    await put(ns, 'other/a.json', { skip: 1 });
    const created = await put(ns, 'services/api.json', { v: 1 });
    const updated = await put(ns, 'services/api.json', { v: 2 });
    const deleted = await h.gql<{ deleteConfig: WriteResult }>(DELETE_CONFIG, { input: { namespace: ns, path: 'services/api.json', expectedVersion: 'HEAD' } });
    expect(deleted.data.deleteConfig.status).toBe('COMMITTED');
    const last = await put(ns, 'other/b.json', { skip: 2 });

    await eventually(
      () => webhook(id),
      (w) => w.deliveredVersion === last,
    );
    expect(r.received.map((q) => q.id)).toEqual([`${ns}:${created}`, `${ns}:${updated}`]);
    expect(cursorOf(ns, id)).toBe(last);
  });

  it('after the schedule runs out it is FAILING and parked, never skips the event, and resumes on redeliver or a new commit', async () => {
    const ns = await namespace();
    let failing = true;
    const r = await receiver(() => (failing ? 500 : 200));
    const { id } = await createWebhook({ namespace: ns, url: r.url });
    const a = await put(ns, 'a.json', { a: 1 });
    await r.waitFor(3);
    await eventually(
      () => webhook(id),
      (w) => w.status === 'FAILING',
    );
    const parked = await webhook(id);
    expect(parked.lastDelivery).toMatchObject({ attempt: 3, outcome: 'FAILED', nextAttemptAt: null });
    const b = await put(ns, 'b.json', { b: 1 });
    // The new commit starts a new round for the parked event, not a delivery of the later one.
    await r.waitFor(6);
    await eventually(
      () => webhook(id),
      (w) => w.status === 'FAILING' && w.lastDelivery?.attempt === 3,
    );
    expect(r.received.map((q) => q.id)).toEqual(Array(6).fill(`${ns}:${a}`));

    const tooEarly = await h.gql<{ redeliver: { __typename: string; message: string } }>(REDELIVER, { webhookId: id, eventId: b });
    expect(tooEarly.data.redeliver.__typename).toBe('InvalidInput');
    expect(tooEarly.data.redeliver.message).toContain('not delivered yet');

    failing = false;
    const again = await h.gql<{ redeliver: { __typename: string; redelivery: string; eventId: string } }>(REDELIVER, { webhookId: id, eventId: `${ns}:${a}` });
    expect(again.data.redeliver).toMatchObject({ __typename: 'RedeliverPayload', redelivery: 'RESTARTED', eventId: `${ns}:${a}` });
    await r.waitFor(8);
    expect(r.received.slice(6).map((q) => q.id)).toEqual([`${ns}:${a}`, `${ns}:${b}`]);
    const state = await eventually(
      () => webhook(id),
      (w) => w.deliveredVersion === b,
    );
    expect(state.status).toBe('ACTIVE');
  });

  it('redeliver sends an already delivered event once more with the same id, out of band', async () => {
    const ns = await namespace();
    const r = await receiver();
    const { id, secret } = await createWebhook({ namespace: ns, url: r.url });
    const first = await put(ns, 'a.json', { a: 1 });
    const second = await put(ns, 'a.json', { a: 2 });
    await r.waitFor(2);
    await eventually(
      () => webhook(id),
      (w) => w.deliveredVersion === second,
    );

    const res = await h.gql<{ redeliver: { __typename: string; redelivery: string } }>(REDELIVER, { webhookId: id, eventId: first.slice(0, 10) });
    expect(res.data.redeliver).toMatchObject({ __typename: 'RedeliverPayload', redelivery: 'QUEUED' });
    const [, , resent] = await r.waitFor(3);
    expect(resent!.id).toBe(`${ns}:${first}`);
    expect(resent!.body).toBe(r.received[0]!.body);
    expect(verifyStandardWebhook(secret, resent!)).toBe(true);
    const state = await eventually(
      () => webhook(id),
      (w) => w.lastDelivery?.trigger === 'REDELIVER',
    );
    expect(state.deliveredVersion).toBe(second);
    const unknown = await h.gql<{ redeliver: { __typename: string } }>(REDELIVER, { webhookId: id, eventId: 'f'.repeat(40) });
    expect(unknown.data.redeliver.__typename).toBe('InvalidRef');
  });

  it('410 Gone disables the endpoint by a commit in the system repository; re-enabling delivers what was missed', async () => {
    const ns = await namespace();
    let gone = true;
    const r = await receiver(() => (gone ? 410 : 200));
    const { id } = await createWebhook({ namespace: ns, url: r.url });
    const a = await put(ns, 'a.json', { a: 1 });
    const disabled = await eventually(
      () => webhook(id),
      (w) => !w.enabled,
    );
    expect(disabled).toMatchObject({ status: 'DISABLED', lastDelivery: { statusCode: 410, outcome: 'DISABLED' } });
    expect(disabled.disabledReason).toContain('410 Gone');
    const log = execFileSync('git', ['--git-dir', path.join(h.dataDir, '.cairn.git'), 'log', '-1', '--format=%an <%ae>%n%B'], { encoding: 'utf8' });
    expect(log).toContain('Cairn <cairn@localhost>');
    expect(log).toContain(`disable webhook ${id}`);
    expect(log).toContain('Cairn-Action: update');
    // And on the namespace's admin log, as Cairn's own change, the record showing it disabled.
    const recorded = await eventually(
      () => Promise.resolve(h.git(ns, 'log', '-1', '--format=%an|%s', 'admin-log')),
      (l) => l.includes('disable'),
    );
    expect(recorded).toContain(`Cairn|disable webhook ${id}`);
    expect(JSON.parse(h.git(ns, 'show', `admin-log:webhooks/${id}.json`))).toMatchObject({ enabled: false, site: new URL(r.url).origin });

    const b = await put(ns, 'b.json', { b: 1 });
    await sleep(300);
    expect(r.received).toHaveLength(1);

    gone = false;
    const enabled = await h.gql<{ updateWebhook: WebhookData }>(UPDATE_WEBHOOK, { input: { id, enabled: true } });
    expect(enabled.data.updateWebhook).toMatchObject({ enabled: true, disabledReason: null });
    await r.waitFor(3);
    expect(r.received.map((q) => q.id)).toEqual([`${ns}:${a}`, `${ns}:${a}`, `${ns}:${b}`]);
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const ns = await namespace();
    const target = await receiver();
    const r = await receiver((n) => (n === 0 ? { status: 302, headers: { location: target.url } } : 200));
    const { id } = await createWebhook({ namespace: ns, url: r.url });
    const version = await put(ns, 'a.json', { a: 1 });
    await eventually(
      () => webhook(id),
      (w) => w.deliveredVersion === version,
    );
    expect(target.received).toHaveLength(0);
    const attempts = (await webhook(id)).deliveries!.edges.map((e) => e.node);
    expect(attempts.at(-1)).toMatchObject({ attempt: 1, statusCode: 302, outcome: 'RETRYING', error: `redirect to ${target.url} not followed` });
    expect(attempts[0]).toMatchObject({ attempt: 2, statusCode: 200, outcome: 'DELIVERED' });
  });

  it('keeps definitions in the system repository: versioned, audited with the operator, secrets never returned after creation', async () => {
    const ns = await namespace();
    const r = await receiver();
    const { id, secret } = await createWebhook({ namespace: ns, url: r.url, comment: 'notify the deployer' });
    const updated = await h.gql<{ updateWebhook: WebhookData }>(UPDATE_WEBHOOK, { input: { id, pathPrefix: 'services/', actions: ['UPDATE'] } });
    expect(updated.data.updateWebhook).toMatchObject({ pathPrefix: 'services/', actions: ['UPDATE'] });
    const cleared = await h.gql<{ updateWebhook: WebhookData }>(UPDATE_WEBHOOK, { input: { id, actions: null } });
    expect(cleared.data.updateWebhook).toMatchObject({ pathPrefix: 'services/', actions: null });
    const rotated = await h.gql<{ rotateWebhookSecret: { secret: string; webhook: { previousSecretExpiresAt: string } } }>(ROTATE_SECRET, { id });
    const newSecret = rotated.data.rotateWebhookSecret.secret;
    expect(newSecret).not.toBe(secret);
    expect(Date.parse(rotated.data.rotateWebhookSecret.webhook.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    // During the grace period both secrets verify the same delivery.
    const version = await put(ns, 'services/a.json', { a: 1 });
    const [q] = await r.waitFor(1);
    expect(q!.id).toBe(`${ns}:${version}`);
    expect(q!.signature.split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook(newSecret, q!)).toBe(true);
    expect(verifyStandardWebhook(secret, q!)).toBe(true);

    const gitdir = path.join(h.dataDir, '.cairn.git');
    const stored = JSON.parse(execFileSync('git', ['--git-dir', gitdir, 'show', `HEAD:webhooks/${id}.json`], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(stored).toMatchObject({ id, namespace: ns, url: r.url, secret: newSecret, previousSecret: secret });

    const listed = await h.gql<{ webhooks: { data: { id: string }[] } }>(WEBHOOKS, { ns });
    expect(listed.data.webhooks.data.map((w) => w.id)).toEqual([id]);
    const everything = JSON.stringify((await h.gql(WEBHOOK, { id })).data) + JSON.stringify(listed.data);
    expect(everything).not.toContain(newSecret.slice(6));
    expect(everything).not.toContain(secret.slice(6));
    const introspection = await h.gql<{ __type: { fields: { name: string }[] } }>('{ __type(name: "Webhook") { fields { name } } }');
    expect(introspection.data.__type.fields.map((f) => f.name).filter((n) => /secret/i.test(n))).toEqual(['previousSecretExpiresAt']);

    const deleted = await h.gql<{ deleteWebhook: { __typename: string } }>(DELETE_WEBHOOK, { id });
    expect(deleted.data.deleteWebhook.__typename).toBe('DeletedWebhook');
    expect((await webhook(id)).__typename).toBe('NotFound');
    expect(() =>
      execFileSync('git', ['--git-dir', path.join(h.dataDir, `${ns}.git`), 'rev-parse', '--verify', `refs/cairn/webhooks/${id}`], { stdio: 'pipe' }),
    ).toThrow();

    const log = execFileSync('git', ['--git-dir', gitdir, 'log', '--format=%an|%s|%(trailers:key=Cairn-Action,valueonly,separator=)'], { encoding: 'utf8' });
    const mine = log.split('\n').filter((l) => l.includes(id) || l.includes('notify the deployer'));
    expect(mine).toEqual([
      `Local Developer|delete webhook ${id} on ${ns}|delete`,
      `Local Developer|rotate the secret of webhook ${id} on ${ns}|update`,
      `Local Developer|update webhook ${id} on ${ns}|update`,
      `Local Developer|update webhook ${id} on ${ns}|update`,
      'Local Developer|notify the deployer|create',
    ]);
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict'], { stdio: 'pipe' });
    const namespaces = await h.gql<{ namespaces: { edges: { node: { name: string } }[] } }>('{ namespaces(first: 100) { edges { node { name } } } }');
    expect(namespaces.data.namespaces.edges.map((e) => e.node.name).some((n) => n.startsWith('.'))).toBe(false);
  });

  it('refuses bad input with typed errors', async () => {
    const ns = await namespace();
    const bad = async (input: Record<string, unknown>): Promise<string> => {
      const res = await h.gql<{ createWebhook: { __typename: string } }>(CREATE_WEBHOOK, { input: { namespace: ns, url: 'http://127.0.0.1:9/', ...input } });
      return res.data.createWebhook.__typename;
    };
    expect(await bad({ namespace: 'missing' })).toBe('NotFound');
    expect(await bad({ namespace: '.cairn' })).toBe('InvalidNamespace');
    expect(await bad({ pathPrefix: '../etc' })).toBe('InvalidPath');
    expect(await bad({ url: 'not a url' })).toBe('InvalidWebhookUrl');
    const unknown = await h.gql<{ webhook: { __typename: string } }>(WEBHOOK, { id: 'wh_000000000000000000000000' });
    expect(unknown.data.webhook.__typename).toBe('NotFound');
    const malformed = await h.gql<{ webhook: { __typename: string } }>(WEBHOOK, { id: '../../etc/passwd' });
    expect(malformed.data.webhook.__typename).toBe('InvalidInput');
  });
});

describe('webhook SSRF guard (default settings: no allow-list)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.gql(CREATE_NAMESPACE, { name: 'guarded' });
  });
  afterAll(() => h.close());

  const refused: [string, RegExp][] = [
    ['http://127.0.0.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://localhost:8080/hook', /names this host/],
    ['http://LOCALHOST./hook', /names this host/],
    ['http://api.localhost/hook', /names this host/],
    ['http://2130706433/', /127\.0\.0\.1 is a loopback address/],
    ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://0177.0.0.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://127.1/', /127\.0\.0\.1 is a loopback address/],
    ['http://0.0.0.0:4000/', /0\.0\.0\.0 is an unspecified/],
    ['http://0/', /0\.0\.0\.0 is an unspecified/],
    ['http://[::1]/', /^::1 is a loopback address$/],
    ['http://[::]/', /^:: is an unspecified address$/],
    ['http://[::ffff:127.0.0.1]/', /127\.0\.0\.1 is a loopback address/],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', /127\.0\.0\.1 is a loopback address/],
    ['http://[::127.0.0.1]/', /^::7f00:1 is a reserved/],
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
    ['http://[::ffff:a9fe:a9fe]/', /169\.254\.169\.254 is a cloud metadata address/],
    ['http://metadata.google.internal/computeMetadata/v1/', /metadata service/],
    ['http://100.100.100.200/', /cloud metadata/],
    ['http://[fd00:ec2::254]/', /cloud metadata/],
    ['http://10.0.0.1/', /private/],
    ['http://172.16.5.4/', /private/],
    ['http://172.31.255.255/', /private/],
    ['http://192.168.1.1/', /private/],
    ['http://100.64.0.1/', /carrier-grade NAT/],
    ['http://169.254.1.1/', /link-local/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[fc00::1]/', /unique local/],
    ['http://[64:ff9b::a00:1]/', /^64:ff9b::a00:1 carries 10\.0\.0\.1, a private address$/],
    ['http://[2002:7f00:1::]/', /carries 127\.0\.0\.1, a loopback address/],
    ['http://224.0.0.1/', /multicast/],
    ['http://255.255.255.255/', /reserved/],
    ['ftp://example.com/hook', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['gopher://example.com/', /only http and https/],
    ['http://user:secret@example.com/hook', /credentials/],
    ['http://127.0.0.1:80@example.com/', /credentials/],
    ['http://example.com/hook#fragment', /fragment/],
  ];

  it(`refuses ${refused.length} URL forms that reach this host, private networks or metadata services`, async () => {
    for (const [url, reason] of refused) {
      const res = await h.gql<{ createWebhook: { __typename: string; reason: string; url: string } }>(CREATE_WEBHOOK, { input: { namespace: 'guarded', url } });
      expect(res.data.createWebhook.__typename, url).toBe('InvalidWebhookUrl');
      expect(res.data.createWebhook.reason, url).toMatch(reason);
      expect(res.data.createWebhook.url).toBe(url);
    }
    // Nothing was recorded.
    const listed = await h.gql<{ webhooks: { data: unknown[] } }>(WEBHOOKS, { ns: 'guarded' });
    expect(listed.data.webhooks.data).toEqual([]);
  });

  it('accepts public addresses', async () => {
    for (const url of ['http://93.184.215.14/hook', 'https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook', 'http://[::ffff:93.184.215.14]:8080/x']) {
      const res = await h.gql<{ createWebhook: { __typename: string } }>(CREATE_WEBHOOK, { input: { namespace: 'guarded', url, enabled: false } });
      expect(res.data.createWebhook.__typename, url).toBe('WebhookSecretPayload');
    }
  });
});

describe('webhook delivery-time guard', () => {
  it('checks every attempt again: a webhook allowed when created is refused after a restart without the allow-list', async () => {
    const r = await startReceiver();
    const env = { CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms,50ms' };
    const first = await startHarness({ env: { ...env, CAIRN_WEBHOOK_ALLOW: '127.0.0.1' } });
    const root = path.dirname(first.dataDir);
    try {
      await first.gql(CREATE_NAMESPACE, { name: 'rebind' });
      const created = await first.gql<{ createWebhook: { webhook: { id: string } } }>(CREATE_WEBHOOK, { input: { namespace: 'rebind', url: r.url } });
      const id = created.data.createWebhook.webhook.id;
      await first.server.close();

      const settings = readSettings({ CAIRN_DATA_DIR: first.dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', ...env });
      const second = await startServer(settings, { logger: pino({ level: 'silent' }) });
      try {
        const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
          const res = await fetch(`${second.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables }),
          });
          return ((await res.json()) as { data: T }).data;
        };
        const put = await gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
          input: { namespace: 'rebind', path: 'a.json', content: { a: 1 }, expectedVersion: null },
        });
        const version = put.putConfig.version!.hash;
        const state = await eventually(
          () => gql<{ webhook: WebhookData }>(WEBHOOK, { id, first: 10 }),
          (d) => d.webhook.status === 'FAILING' && d.webhook.deliveries!.edges.length === 3,
        );
        const attempts = state.webhook.deliveries!.edges.map((e) => e.node);
        expect(attempts.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([3, 2, 1].map((n) => [n, null, 'refused: 127.0.0.1 is a loopback address']));
        expect(attempts.every((a) => a.eventId === `rebind:${version}`)).toBe(true);
        expect(r.received).toHaveLength(0);
      } finally {
        await second.close();
      }
    } finally {
      await r.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('webhook access', () => {
  let h: Harness;
  const tokens: TestToken[] = [
    { token: 'admin-token', name: 'Ada Admin', email: 'ada@example.com', roles: { 'team-a': 'admin', 'team-b': 'editor' } },
    { token: 'editor-token', name: 'Ed Editor', email: 'ed@example.com', roles: { 'team-a': 'editor' } },
    { token: 'viewer-token', name: 'Vi Viewer', email: 'vi@example.com', roles: { '*': 'viewer' } },
    { token: 'root-token', name: 'Root', email: 'root@example.com', roles: { '*': 'admin' } },
  ];
  beforeAll(async () => {
    h = await startHarness({ tokens, env: { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32' } });
    await h.gql(CREATE_NAMESPACE, { name: 'team-a' }, 'root-token');
    await h.gql(CREATE_NAMESPACE, { name: 'team-b' }, 'root-token');
  });
  afterAll(() => h.close());

  it('only admins of the namespace see and manage its webhooks; the author of each change is the token holder', async () => {
    const input = { namespace: 'team-a', url: 'http://127.0.0.1:9/hook' };
    const byEditor = await h.gql<{ createWebhook: { __typename: string; requiredRole: string } }>(CREATE_WEBHOOK, { input }, 'editor-token');
    expect(byEditor.data.createWebhook).toMatchObject({ __typename: 'Forbidden', requiredRole: 'admin' });
    const created = await h.gql<{ createWebhook: { webhook: WebhookData } }>(CREATE_WEBHOOK, { input }, 'admin-token');
    const id = created.data.createWebhook.webhook.id;
    expect(created.data.createWebhook.webhook.createdBy).toEqual({ name: 'Ada Admin', email: 'ada@example.com' });

    for (const token of ['editor-token', 'viewer-token']) {
      expect((await h.gql<{ webhooks: { __typename: string } }>(WEBHOOKS, { ns: 'team-a' }, token)).data.webhooks.__typename).toBe('Forbidden');
      expect((await h.gql<{ webhook: { __typename: string } }>(WEBHOOK, { id }, token)).data.webhook.__typename).toBe('Forbidden');
      expect(
        (await h.gql<{ updateWebhook: { __typename: string } }>(UPDATE_WEBHOOK, { input: { id, enabled: false } }, token)).data.updateWebhook.__typename,
      ).toBe('Forbidden');
      expect((await h.gql<{ rotateWebhookSecret: { __typename: string } }>(ROTATE_SECRET, { id }, token)).data.rotateWebhookSecret.__typename).toBe(
        'Forbidden',
      );
      expect((await h.gql<{ redeliver: { __typename: string } }>(REDELIVER, { webhookId: id, eventId: 'HEAD' }, token)).data.redeliver.__typename).toBe(
        'Forbidden',
      );
      expect((await h.gql<{ deleteWebhook: { __typename: string } }>(DELETE_WEBHOOK, { id }, token)).data.deleteWebhook.__typename).toBe('Forbidden');
    }
    expect(
      (await h.gql<{ createWebhook: { __typename: string } }>(CREATE_WEBHOOK, { input: { ...input, namespace: 'team-b' } }, 'admin-token')).data.createWebhook
        .__typename,
    ).toBe('Forbidden');
    const listed = await h.gql<{ webhooks: { data: { id: string }[] } }>(WEBHOOKS, { ns: 'team-a' }, 'root-token');
    expect(listed.data.webhooks.data.map((w) => w.id)).toEqual([id]);
    const updated = await h.gql<{ updateWebhook: WebhookData }>(UPDATE_WEBHOOK, { input: { id, enabled: false } }, 'root-token');
    expect(updated.data.updateWebhook).toMatchObject({ enabled: false, status: 'DISABLED', disabledReason: 'disabled by root@example.com' });
    const authors = execFileSync(
      'git',
      ['--git-dir', path.join(h.dataDir, '.cairn.git'), 'log', '--format=%an <%ae> %(trailers:key=Cairn-Operator-IP,valueonly,separator=)'],
      { encoding: 'utf8' },
    );
    expect(authors.trim().split('\n')).toEqual(['Root <root@example.com> 127.0.0.1', 'Ada Admin <ada@example.com> 127.0.0.1']);
  });
});

describe('webhook timeouts', () => {
  it('an endpoint that does not answer in CAIRN_WEBHOOK_TIMEOUT_MS is a failed attempt, retried', async () => {
    const h = await startHarness({ env: { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms', CAIRN_WEBHOOK_TIMEOUT_MS: '300' } });
    const r = await startReceiver((n) => (n === 0 ? 'hold' : 204));
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'slow' });
      const created = await h.gql<{ createWebhook: { webhook: { id: string } } }>(CREATE_WEBHOOK, { input: { namespace: 'slow', url: r.url } });
      const id = created.data.createWebhook.webhook.id;
      const put = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
        input: { namespace: 'slow', path: 'a.json', content: { a: 1 }, expectedVersion: null },
      });
      const version = put.data.putConfig.version!.hash;
      const read = async (): Promise<WebhookData> => (await h.gql<{ webhook: WebhookData }>(WEBHOOK, { id, first: 10 })).data.webhook;
      await eventually(read, (w) => w.deliveredVersion === version);
      const state = await read();
      const [second, first] = state.deliveries!.edges.map((e) => e.node);
      expect(first).toMatchObject({ attempt: 1, statusCode: null, error: 'timed out after 300 ms', outcome: 'RETRYING' });
      expect(first!.latencyMs).toBeGreaterThanOrEqual(290);
      expect(second).toMatchObject({ attempt: 2, statusCode: 204, outcome: 'DELIVERED' });
      expect(r.received.map((q) => q.id)).toEqual([`slow:${version}`, `slow:${version}`]);
    } finally {
      await r.close();
      await h.close();
    }
  });
});

describe('webhook retries across a restart', () => {
  it('a retry scheduled before a restart keeps its attempt number and its time after it', async () => {
    const r = await startReceiver((n) => (n === 0 ? 500 : 200));
    const env = { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_RETRY_SCHEDULE: '1500ms' };
    const first = await startHarness({ env });
    const root = path.dirname(first.dataDir);
    try {
      await first.gql(CREATE_NAMESPACE, { name: 'resume' });
      const created = await first.gql<{ createWebhook: { webhook: { id: string } } }>(CREATE_WEBHOOK, { input: { namespace: 'resume', url: r.url } });
      const id = created.data.createWebhook.webhook.id;
      await first.gql(PUT_CONFIG, { input: { namespace: 'resume', path: 'a.json', content: { a: 1 }, expectedVersion: null } });
      const retrying = await eventually(
        async () => (await first.gql<{ webhook: WebhookData }>(WEBHOOK, { id })).data.webhook,
        // status and lastDelivery are resolved side by side: wait for an answer in which both saw the attempt.
        (w) => w.status === 'RETRYING' && w.lastDelivery !== null,
      );
      await first.server.close();

      const second = await startServer(readSettings({ CAIRN_DATA_DIR: first.dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', ...env }), {
        logger: pino({ level: 'silent' }),
      });
      try {
        await r.waitFor(2);
        const read = async (): Promise<WebhookData> => {
          const res = await fetch(`${second.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: WEBHOOK, variables: { id } }),
          });
          return ((await res.json()) as { data: { webhook: WebhookData } }).data.webhook;
        };
        await eventually(read, (w) => w.status === 'ACTIVE' && w.pendingVersions === 0);
        const [delivered, failed] = (await read()).deliveries!.edges.map((e) => e.node);
        expect(failed).toMatchObject({ attempt: 1, statusCode: 500, outcome: 'RETRYING', nextAttemptAt: retrying.lastDelivery!.nextAttemptAt });
        expect(delivered).toMatchObject({ attempt: 2, statusCode: 200, outcome: 'DELIVERED' });
        expect(Date.parse(delivered!.time)).toBeGreaterThanOrEqual(Date.parse(failed!.nextAttemptAt!));
      } finally {
        await second.close();
      }
    } finally {
      await r.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
