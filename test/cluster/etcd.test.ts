import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateX25519Identity } from 'age-encryption';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type EtcdServer, startEtcdServer } from '../support/etcd-server.js';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, type WriteResult } from '../support/operations.js';
import { ADMIN, VIEWER } from '../support/tokens.js';
import { data, until } from '../support/until.js';

/**
 * etcd as a delivery target, against a real etcd (Debian's etcd-server) and real Cairn servers: each release is
 * published in one transaction, compare-and-swapped between replicas, edits made in etcd are reported (API and
 * feed), captured into main or restored, and publications wait out an etcd outage and then land in order.
 */

let etcd: EtcdServer;
let client: Etcd3;

const ENVIRONMENT_ETCD = `query($ns: String!, $env: String!) { environment(namespace: $ns, name: $env) {
  __typename ... on EnvironmentSuccess { data { etcd { prefix versionKey policy version release revision pending lastError
    drift { key cluster path revision releasedValue foundValue status capturedVersion message } } } } } }`;

const DRIFT_EVENTS = `subscription($ns: String!, $env: String!) { environmentEvents(namespace: $ns, environment: $env) {
  kind drift { key cluster path revision releasedValue foundValue status capturedVersion message } } }`;

interface Drift {
  key: string;
  cluster: string | null;
  path: string | null;
  revision: string;
  releasedValue: string | null;
  foundValue: string | null;
  status: string;
  capturedVersion: string | null;
  message: string | null;
}

interface EtcdState {
  prefix: string;
  versionKey: string;
  policy: string;
  version: string | null;
  release: string | null;
  revision: string | null;
  pending: number;
  lastError: string | null;
  drift: Drift[];
}

async function write(h: Harness, namespace: string, changes: Record<string, unknown>[], expectedVersion: string | null): Promise<string> {
  const res = await data<{ applyChanges: WriteResult }>(h, APPLY_CHANGES, { input: { namespace, changes, expectedVersion } });
  expect(res.applyChanges.status, JSON.stringify(res.applyChanges)).toBe('COMMITTED');
  return res.applyChanges.version!.hash;
}

async function release(h: Harness, namespace: string, version: string, expectedRelease: string | null): Promise<string> {
  const res = await data<{ release: WriteResult }>(h, RELEASE, { input: { namespace, environment: 'prod', version, expectedRelease } });
  expect(res.release.status, JSON.stringify(res.release)).toBe('COMMITTED');
  return res.release.version!.hash;
}

async function etcdState(h: Harness, namespace: string): Promise<EtcdState> {
  const res = await data<{ environment: { data: { etcd: EtcdState | null } } }>(h, ENVIRONMENT_ETCD, { ns: namespace, env: 'prod' });
  return res.environment.data.etcd!;
}

/**
 * A namespace with `app.json`, `svc.yaml` and an overlay of `svc.yaml` for cluster eu-1, and an environment prod:
 * answers main's head.
 */
async function namespaceWithOverlay(h: Harness, namespace: string): Promise<string> {
  await data(h, CREATE_NAMESPACE, { name: namespace });
  const head = await write(
    h,
    namespace,
    [
      { path: 'app.json', content: { value: 1 } },
      { path: 'svc.yaml', text: '# replicas per zone\nreplicas: 2\nimage: api:1\n' },
      { path: 'svc.overlays/eu-1.patch.json', content: [{ op: 'replace', path: '/replicas', value: 5 }] },
    ],
    null,
  );
  const defined = await data<{ defineEnvironment: WriteResult }>(h, DEFINE_ENVIRONMENT, { input: { namespace, name: 'prod', expectedVersion: head } });
  expect(defined.defineEnvironment.status).toBe('COMMITTED');
  return defined.defineEnvironment.version!.hash;
}

interface Kv {
  value: string;
  modRevision: number;
}

async function etcdKeys(prefix: string, revision?: number): Promise<Map<string, Kv>> {
  const builder = client.getAll().prefix(prefix);
  const response = await (revision === undefined ? builder : builder.revision(revision)).exec();
  return new Map(response.kvs.map((kv) => [kv.key.toString(), { value: kv.value.toString(), modRevision: Number(kv.mod_revision) }]));
}

async function markAt(key: string): Promise<{ version: string; release: string } | null> {
  const value = await client.get(key).string();
  return value === null ? null : (JSON.parse(value) as { version: string; release: string });
}

/** Every value the key had, oldest first, with the revision that wrote it (etcd keeps its history: no compaction here). */
async function historyOf(key: string): Promise<{ value: string; modRevision: number }[]> {
  const history: { value: string; modRevision: number }[] = [];
  let revision: number | undefined;
  for (;;) {
    const builder = client.get(key);
    const response = await (revision === undefined ? builder : builder.revision(revision)).exec();
    const kv = response.kvs[0];
    if (!kv) break;
    history.unshift({ value: kv.value.toString(), modRevision: Number(kv.mod_revision) });
    revision = Number(kv.mod_revision) - 1;
    if (revision < 1) break;
  }
  return history;
}

/** Drift events of the environment, as a subscriber over graphql-ws receives them. */
function driftFeed(h: Harness, namespace: string): { events: Drift[]; live: Promise<void>; stop: () => void } {
  const events: Drift[] = [];
  let live: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    live = resolve;
  });
  const stop = h.ws().subscribe<{ environmentEvents: { kind: string; drift: Drift | null } }>(
    { query: DRIFT_EVENTS, variables: { ns: namespace, env: 'prod' } },
    {
      next: (value) => {
        const event = value.data?.environmentEvents;
        if (event?.kind === 'LIVE') live();
        if (event?.kind === 'DRIFT' && event.drift) events.push(event.drift);
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return { events, live: ready, stop };
}

function serverEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { CAIRN_ETCD_ENDPOINTS: etcd.url, CAIRN_ETCD_PREFIX: prefix, CAIRN_ETCD_TIMEOUT_MS: '1000', ...extra };
}

beforeAll(async () => {
  etcd = await startEtcdServer();
  client = new Etcd3({ hosts: etcd.url });
});

afterAll(async () => {
  client?.close();
  await etcd?.close();
});

describe('publication and drift reports', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: serverEnv('/cairn/', { CAIRN_ETCD_DRIFT: 'report' }) });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('publishes each release in one transaction: every key and the version key appear together, at one revision', async () => {
    const head = await namespaceWithOverlay(h, 'pay');
    const prefix = '/cairn/pay/prod/';
    expect((await etcdKeys(prefix)).size).toBe(0);
    const first = await release(h, 'pay', head, null);
    const keys = await until(
      'the first publication',
      () => etcdKeys(prefix),
      (k) => k.has(`${prefix}.version`),
    );
    expect([...keys.keys()].sort()).toEqual([
      `${prefix}.version`,
      `${prefix}_/app.json`,
      `${prefix}_/svc.yaml`,
      `${prefix}eu-1/app.json`,
      `${prefix}eu-1/svc.yaml`,
    ]);
    // One transaction: etcd gives all its writes one revision, and nothing was there a revision before.
    const revisions = new Set([...keys.values()].map((kv) => kv.modRevision));
    expect(revisions.size).toBe(1);
    const [revision] = [...revisions];
    expect((await etcdKeys(prefix, revision! - 1)).size).toBe(0);
    expect(JSON.parse(keys.get(`${prefix}.version`)!.value)).toMatchObject({ version: head, release: first });
    expect(JSON.parse(keys.get(`${prefix}_/app.json`)!.value)).toEqual({ value: 1 });
    // A base document without an overlay is published as stored, its comment kept.
    expect(keys.get(`${prefix}_/svc.yaml`)!.value).toBe('# replicas per zone\nreplicas: 2\nimage: api:1\n');
    expect(keys.get(`${prefix}eu-1/svc.yaml`)!.value).toBe('replicas: 5\nimage: api:1\n');

    // The next release writes what changed and the version key, again in one transaction; the rest keeps its revision.
    const next = await write(h, 'pay', [{ path: 'app.json', content: { value: 2 } }], head);
    const second = await release(h, 'pay', next, first);
    const after = await until(
      'the second publication',
      () => etcdKeys(prefix),
      (k) => JSON.parse(k.get(`${prefix}.version`)!.value).release === second,
    );
    const changed = after.get(`${prefix}.version`)!.modRevision;
    expect(after.get(`${prefix}_/app.json`)!.modRevision).toBe(changed);
    expect(after.get(`${prefix}eu-1/app.json`)!.modRevision).toBe(changed);
    expect(after.get(`${prefix}_/svc.yaml`)!.modRevision).toBe(revision);
    expect(JSON.parse(after.get(`${prefix}eu-1/app.json`)!.value)).toEqual({ value: 2 });
    const state = await until(
      'the API to show what etcd holds',
      () => etcdState(h, 'pay'),
      (s) => s.release === second,
    );
    expect(state).toMatchObject({ prefix, versionKey: `${prefix}.version`, policy: 'REPORT', version: next, pending: 0, lastError: null, drift: [] });
  });

  it('reports an edit made in etcd as drift, in the API and the feed, and as resolved once etcd holds the released value again', async () => {
    const prefix = '/cairn/pay/prod/';
    const key = `${prefix}eu-1/svc.yaml`;
    const feed = driftFeed(h, 'pay');
    await feed.live;
    const released = (await etcdKeys(prefix)).get(key)!.value;
    const put = await client.put(key).value('replicas: 9\nimage: api:1\n').exec();
    const revision = String(put.header.revision);
    const state = await until(
      'the drift to show',
      () => etcdState(h, 'pay'),
      (s) => s.drift.length > 0,
    );
    expect(state.drift).toEqual([
      {
        key,
        cluster: 'eu-1',
        path: 'svc.yaml',
        revision,
        releasedValue: released,
        foundValue: 'replicas: 9\nimage: api:1\n',
        status: 'DETECTED',
        capturedVersion: null,
        message: null,
      },
    ]);
    await until(
      'the DRIFT event',
      () => feed.events,
      (events) => events.length > 0,
    );
    expect(feed.events[0]).toMatchObject({ key, status: 'DETECTED', revision, foundValue: 'replicas: 9\nimage: api:1\n' });

    // A deleted key and a key added under the prefix are drift too; report leaves etcd as it is.
    const deleted = await client.delete().key(`${prefix}_/app.json`).exec();
    await client.put(`${prefix}_/extra.json`).value('{}').exec();
    const more = await until(
      'three drifted keys',
      () => etcdState(h, 'pay'),
      (s) => s.drift.length === 3,
    );
    expect(more.drift.find((d) => d.key === `${prefix}_/app.json`)).toMatchObject({
      foundValue: null,
      revision: String(deleted.header.revision),
      cluster: null,
      path: 'app.json',
    });
    expect(more.drift.find((d) => d.key === `${prefix}_/extra.json`)).toMatchObject({ releasedValue: null, foundValue: '{}' });
    expect((await etcdKeys(prefix)).get(key)!.value).toBe('replicas: 9\nimage: api:1\n');

    // Put back by hand: resolved, in the feed, and gone from the API.
    await client.put(key).value(released).exec();
    await until(
      'the RESOLVED event',
      () => feed.events,
      (events) => events.some((e) => e.key === key && e.status === 'RESOLVED'),
    );
    const after = await until(
      'two drifted keys left',
      () => etcdState(h, 'pay'),
      (s) => s.drift.length === 2,
    );
    expect(after.drift.map((d) => d.key)).not.toContain(key);
    feed.stop();
  });
});

describe('secret values', () => {
  let h: Harness;
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-etcd-secrets-'));

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'key.txt'), `${await generateX25519Identity()}\n`);
    h = await startHarness({
      tokens: [ADMIN, VIEWER],
      env: serverEnv('/sealed/', { CAIRN_ETCD_DRIFT: 'report', CAIRN_SECRETS_KEY_FILE: path.join(dir, 'key.txt') }),
    });
  });

  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are published decrypted, as the agent reads them (etcd is where services read), and are no drift', async () => {
    await data(h, CREATE_NAMESPACE, { name: 'vault' });
    const policy = await write(h, 'vault', [{ path: '.cairn/policy.json', content: { secrets: ['db.json#/password'] } }], null);
    const head = await write(h, 'vault', [{ path: 'db.json', content: { host: 'db', password: 'hunter2-etcd' } }], policy);
    expect(h.git('vault', 'show', 'HEAD:db.json')).not.toContain('hunter2-etcd');
    const defined = await data<{ defineEnvironment: WriteResult }>(h, DEFINE_ENVIRONMENT, {
      input: { namespace: 'vault', name: 'prod', expectedVersion: head },
    });
    const released = await release(h, 'vault', defined.defineEnvironment.version!.hash, null);
    const prefix = '/sealed/vault/prod/';
    const keys = await until(
      'the publication',
      () => etcdKeys(prefix),
      (k) => k.has(`${prefix}.version`),
    );
    expect(JSON.parse(keys.get(`${prefix}_/db.json`)!.value)).toEqual({ host: 'db', password: 'hunter2-etcd' });
    const state = await until(
      'the drift check of the release',
      () => etcdState(h, 'vault'),
      (s) => s.release === released,
    );
    expect(state.drift).toEqual([]);

    // A hand edit in etcd is drift; its values (the plaintext etcd holds) go to readers of secrets only.
    await client.put(`${prefix}_/db.json`).value('{"host": "db", "password": "edited-in-etcd"}');
    const drifted = await until(
      'the drift report',
      () => etcdState(h, 'vault'),
      (s) => s.drift.length > 0,
    );
    expect(drifted.drift[0]).toMatchObject({ path: 'db.json', foundValue: '{"host": "db", "password": "edited-in-etcd"}' });
    expect(drifted.drift[0]?.releasedValue).toContain('hunter2-etcd');
    const seen = await h.gql<{ environment: { data: { etcd: EtcdState } } }>(ENVIRONMENT_ETCD, { ns: 'vault', env: 'prod' }, VIEWER.token);
    expect(seen.data.environment.data.etcd.drift[0]).toMatchObject({ path: 'db.json', releasedValue: null, foundValue: null });
    expect(JSON.stringify(seen)).not.toContain('hunter2-etcd');
  });
});

describe('progressive rollouts', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: serverEnv('/rolling/', { CAIRN_ROLLOUT_INTERVAL_MS: '50' }) });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('etcd keeps what the instances not reached keep until the rollout completes, then takes the release', async () => {
    const head = await namespaceWithOverlay(h, 'roll');
    const first = await release(h, 'roll', head, null);
    const prefix = '/rolling/roll/prod/';
    await until(
      'the first publication',
      () => markAt(`${prefix}.version`),
      (m) => m?.release === first,
    );
    const next = await write(h, 'roll', [{ path: 'app.json', content: { value: 2 } }], head);
    const res = await data<{ release: WriteResult }>(h, RELEASE, {
      input: { namespace: 'roll', environment: 'prod', version: next, expectedRelease: first, strategy: { steps: [50, 100], bakeSeconds: 3600 } },
    });
    expect(res.release.status).toBe('COMMITTED');
    // The release moved the branch (queued at once); once its publication is done, etcd still holds the stable version, untouched.
    await until(
      'the rollout release to be looked at',
      () => etcdState(h, 'roll'),
      (st) => st.pending === 0,
    );
    const history = await historyOf(`${prefix}.version`);
    expect(history.map((e) => (JSON.parse(e.value) as { version: string }).version)).toEqual([head]);
    expect(JSON.parse((await etcdKeys(prefix)).get(`${prefix}_/app.json`)!.value)).toEqual({ value: 1 });
    const promoted = await data<{ promoteRollout: WriteResult }>(
      h,
      `mutation($input: RolloutCommandInput!) { promoteRollout(input: $input) { ... on WritePayload { status version { hash } } } }`,
      { input: { namespace: 'roll', environment: 'prod' } },
    );
    expect(promoted.promoteRollout.status).toBe('COMMITTED');
    const done = await until(
      'the completed rollout to be published',
      () => markAt(`${prefix}.version`),
      (m) => m?.version === next,
    );
    expect(done?.release).toBe(promoted.promoteRollout.version!.hash);
    expect(JSON.parse((await etcdKeys(prefix)).get(`${prefix}eu-1/app.json`)!.value)).toEqual({ value: 2 });
  });
});

describe('capture', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: serverEnv('/captured/', { CAIRN_ETCD_DRIFT: 'capture', CAIRN_ETCD_OPERATOR: 'Ops Robot <ops@example.com>' }) });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('captures an edit of a base key into the document on main, and of a cluster key into its overlay: commits with action capture and the etcd revision', async () => {
    const head = await namespaceWithOverlay(h, 'cap');
    await release(h, 'cap', head, null);
    const prefix = '/captured/cap/prod/';
    await until(
      'the publication',
      () => markAt(`${prefix}.version`),
      (m) => m?.version === head,
    );
    const feed = driftFeed(h, 'cap');
    await feed.live;

    const edit = await client.put(`${prefix}_/svc.yaml`).value('replicas: 3\nimage: api:1\n').exec();
    const captured = await until(
      'the capture',
      () => etcdState(h, 'cap'),
      (s) => s.drift.some((d) => d.status === 'CAPTURED'),
    );
    const drift = captured.drift[0]!;
    expect(drift).toMatchObject({ key: `${prefix}_/svc.yaml`, status: 'CAPTURED', revision: String(edit.header.revision) });
    expect(drift.capturedVersion).toBe(h.git('cap', 'rev-parse', 'main').trim());
    const message = h.git('cap', 'log', '-1', '--format=%an <%ae>%n%B', 'main');
    expect(message).toContain('Ops Robot <ops@example.com>');
    expect(message).toContain('Cairn-Action: capture');
    expect(message).toContain(`Cairn-Etcd-Key: ${prefix}_/svc.yaml`);
    expect(message).toContain(`Cairn-Etcd-Revision: ${edit.header.revision}`);
    // The edit itself, applied to the base document: its comment stays.
    expect(h.git('cap', 'show', 'main:svc.yaml')).toBe('# replicas per zone\nreplicas: 3\nimage: api:1\n');
    await until(
      'the CAPTURED event',
      () => feed.events,
      (events) => events.some((e) => e.status === 'CAPTURED' && e.capturedVersion === drift.capturedVersion),
    );

    // A cluster's key: the patch from the released value to the one found goes at the end of its overlay.
    const clusterEdit = await client.put(`${prefix}eu-1/svc.yaml`).value('replicas: 5\nimage: api:2\n').exec();
    await until(
      'the cluster capture',
      () => etcdState(h, 'cap'),
      (s) => s.drift.some((d) => d.key === `${prefix}eu-1/svc.yaml` && d.status === 'CAPTURED'),
    );
    expect(JSON.parse(h.git('cap', 'show', 'main:svc.overlays/eu-1.patch.json'))).toEqual([
      { op: 'replace', path: '/replicas', value: 5 },
      { op: 'replace', path: '/image', value: 'api:2' },
    ]);
    expect(h.git('cap', 'log', '-1', '--format=%(trailers:key=Cairn-Etcd-Revision,valueonly)', 'main').trim()).toBe(String(clusterEdit.header.revision));

    // A cluster's key deleted cannot be an overlay: reported as failed, nothing committed.
    const before = h.git('cap', 'rev-parse', 'main').trim();
    await client.delete().key(`${prefix}eu-1/app.json`).exec();
    const failed = await until(
      'the refused capture',
      () => etcdState(h, 'cap'),
      (s) => s.drift.some((d) => d.key === `${prefix}eu-1/app.json` && d.status === 'FAILED'),
    );
    expect(failed.drift.find((d) => d.key === `${prefix}eu-1/app.json`)!.message).toMatch(/overlay cannot delete/);
    expect(h.git('cap', 'rev-parse', 'main').trim()).toBe(before);

    // Released, the captured values are what etcd holds: no drift left on them.
    const released = await release(h, 'cap', before, (await etcdState(h, 'cap')).release);
    await until(
      'the captured keys to be released',
      () => etcdState(h, 'cap'),
      (s) => s.release === released && s.drift.every((d) => !d.key.endsWith('svc.yaml')),
    );
    // The feed's events reach this client after the state query sees the release: wait for them, do not race them.
    await until(
      'the RESOLVED events in the feed',
      () => feed.events.filter((e) => e.status === 'RESOLVED').map((e) => e.key),
      (keys) => keys.includes(`${prefix}_/svc.yaml`) && keys.includes(`${prefix}eu-1/svc.yaml`),
    );
    expect(
      h
        .git('cap', 'log', '--format=%(trailers:key=Cairn-Action,valueonly)', 'main')
        .split('\n')
        .filter((a) => a === 'capture'),
    ).toHaveLength(2);
    expect(() => h.git('cap', 'fsck', '--strict', '--no-progress')).not.toThrow();
    feed.stop();
  });
});

describe('restore', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: serverEnv('/restored/', { CAIRN_ETCD_DRIFT: 'restore' }) });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('puts the released value back over an edit, a deleted key back, and removes a key added under the prefix', async () => {
    const head = await namespaceWithOverlay(h, 'res');
    await release(h, 'res', head, null);
    const prefix = '/restored/res/prod/';
    const published = await until(
      'the publication',
      () => etcdKeys(prefix),
      (k) => k.has(`${prefix}.version`),
    );
    const feed = driftFeed(h, 'res');
    await feed.live;
    await client.put(`${prefix}eu-1/app.json`).value('{"value":666}').exec();
    await client.delete().key(`${prefix}_/svc.yaml`).exec();
    await client.put(`${prefix}_/stray.json`).value('{}').exec();
    await until(
      'etcd to hold the release again',
      () => etcdKeys(prefix),
      (k) =>
        k.get(`${prefix}eu-1/app.json`)?.value === published.get(`${prefix}eu-1/app.json`)!.value &&
        k.get(`${prefix}_/svc.yaml`)?.value === published.get(`${prefix}_/svc.yaml`)!.value &&
        !k.has(`${prefix}_/stray.json`),
    );
    await until(
      'three RESTORED events',
      () => feed.events,
      (events) => events.filter((e) => e.status === 'RESTORED').length === 3,
    );
    await until(
      'no drift left',
      () => etcdState(h, 'res'),
      (s) => s.drift.length === 0,
    );
    // Nothing was committed: main is where it was.
    expect(h.git('res', 'rev-parse', 'main').trim()).toBe(head);
    feed.stop();
  });
});

describe('two replicas publishing to the same etcd', () => {
  let remote: GitHttpServer;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    remote = await startGitHttpServer();
    const remoteUrl = remote.createRepository('config.git');
    const env = serverEnv('/shared/', { CAIRN_REMOTE_URL: remoteUrl, CAIRN_REMOTE_POLL_MS: '50' });
    a = await startHarness({ env });
    b = await startHarness({ env });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await remote?.close();
  });

  it('never interleave: every state etcd passed through is one whole release, in release order, ending at the latest', async () => {
    let head = await namespaceWithOverlay(a, 'both');
    let current: string | null = null;
    const releases: { release: string; version: string; value: number }[] = [];
    for (let value = 2; value <= 7; value += 1) {
      head = await write(a, 'both', [{ path: 'app.json', content: { value } }], head);
      current = await release(a, 'both', head, current);
      releases.push({ release: current, version: head, value });
    }
    const prefix = '/shared/both/prod/';
    const last = releases.at(-1)!;
    // Both publish (b learns the releases from the remote): the compare-and-swap lets only one land each state.
    for (const h of [a, b]) {
      await until(
        'each replica to see etcd at the latest release',
        () => etcdState(h, 'both'),
        (s) => s.release === last.release && s.pending === 0,
      );
    }
    const history = await historyOf(`${prefix}.version`);
    const order = history.map((entry) => releases.findIndex((r) => r.release === (JSON.parse(entry.value) as { release: string }).release));
    expect(order.every((index) => index >= 0)).toBe(true);
    // Strictly increasing: no release published twice, none published after a later one.
    expect(order).toEqual([...new Set(order)].sort((x, y) => x - y));
    expect(order.at(-1)).toBe(releases.length - 1);
    // At every revision the version key changed, every key says that same release: no mix of two.
    for (const entry of history) {
      const index = order[history.indexOf(entry)]!;
      const keys = await etcdKeys(prefix, entry.modRevision);
      for (const cluster of ['_', 'eu-1']) expect(JSON.parse(keys.get(`${prefix}${cluster}/app.json`)!.value)).toEqual({ value: releases[index]!.value });
      expect(new Set([...keys.values()].map((kv) => kv.modRevision)).size).toBeLessThanOrEqual(2);
    }
    expect(JSON.parse((await etcdKeys(prefix)).get(`${prefix}_/app.json`)!.value)).toEqual({ value: last.value });
  });
});

describe('etcd down, then back', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: serverEnv('/outage/') });
  });

  afterAll(async () => {
    await etcd.start();
    await h?.close();
  });

  it('releases go on while etcd is down; their publications wait, then land in order', async () => {
    let head = await namespaceWithOverlay(h, 'out');
    let current = await release(h, 'out', head, null);
    const prefix = '/outage/out/prod/';
    await until(
      'the first publication',
      () => markAt(`${prefix}.version`),
      (m) => m?.release === current,
    );
    const before = (await historyOf(`${prefix}.version`)).length;

    await etcd.stop();
    const queued: string[] = [];
    for (let value = 10; value <= 12; value += 1) {
      head = await write(h, 'out', [{ path: 'app.json', content: { value } }], head);
      const started = Date.now();
      current = await release(h, 'out', head, current);
      // A release does not wait for etcd.
      expect(Date.now() - started).toBeLessThan(1_000);
      queued.push(current);
    }
    const waiting = await until(
      'the publications to wait',
      () => etcdState(h, 'out'),
      (s) => s.pending >= 1 && s.lastError !== null,
    );
    expect(waiting.lastError).toMatch(/etcd/);

    await etcd.start();
    await until(
      'the last publication',
      () => markAt(`${prefix}.version`).catch(() => null),
      (m) => m?.release === queued.at(-1),
    );
    const published = (await historyOf(`${prefix}.version`)).slice(before).map((entry) => (JSON.parse(entry.value) as { release: string }).release);
    expect(published).toEqual(queued);
    await until(
      'nothing left waiting',
      () => etcdState(h, 'out'),
      (s) => s.pending === 0 && s.lastError === null,
    );
    expect(JSON.parse((await etcdKeys(prefix)).get(`${prefix}eu-1/app.json`)!.value)).toEqual({ value: 12 });
  });
});
