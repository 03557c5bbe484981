import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { getAtPointer } from '../../src/domain/json-pointer.js';
import type { JsonValue } from '../../src/domain/json-value.js';
import { type Harness, startHarness } from '../support/harness.js';
import {
  APPLY_CHANGES,
  CREATE_NAMESPACE,
  DELETE_CONFIG,
  ERROR_FIELDS,
  PAYLOAD_FIELDS,
  REVERT,
  REVERT_ERROR_FIELDS,
  ROLLBACK,
  type WriteResult,
} from '../support/operations.js';

const ALICE = { token: 'alice-token-123', name: 'Alice Base', email: 'alice@example.com', roles: { '*': 'admin' as const } };
const BOB = { token: 'bob-token-456', name: 'Bob Overlay', email: 'bob@example.com', roles: { shop: 'editor' as const } };

const OVERLAY_ERRORS = `${ERROR_FIELDS}
  ... on OverlayConflict { overlays { basePath cluster overlayPath opIndex reason } }`;

const READ_OVERLAY_ERRORS = `... on Error { __typename message code }
  ... on InvalidPath { path reason }
  ... on OverlayConflict { overlays { basePath cluster overlayPath opIndex reason } }`;

const WRITE_WITH_FORCED = PAYLOAD_FIELDS.replace('version { hash', 'version { forced hash');
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${WRITE_WITH_FORCED} ${OVERLAY_ERRORS} } }`;
const DELETE = DELETE_CONFIG.replace(ERROR_FIELDS, OVERLAY_ERRORS);
const APPLY = APPLY_CHANGES.replace(ERROR_FIELDS, OVERLAY_ERRORS);
const REV = REVERT.replace(
  REVERT_ERROR_FIELDS,
  `${REVERT_ERROR_FIELDS} ... on OverlayConflict { overlays { basePath cluster overlayPath opIndex reason } }`,
).replace('version { hash', 'version { forced hash');
const ROLL = ROLLBACK.replace(ERROR_FIELDS, OVERLAY_ERRORS).replace('version { hash', 'version { forced hash');

const EFFECTIVE = `query($ns: String!, $path: String!, $cluster: String, $at: String) {
  namespace(name: $ns) { ... on Namespace {
    effectiveConfig(path: $path, cluster: $cluster, at: $at) {
      __typename
      ... on EffectiveConfig { path cluster overlayPath content at { hash }
        fields { pointer value layer opIndex version { hash operator { name } timestamp comment } } }
      ${READ_OVERLAY_ERRORS}
    }
  } }
}`;

const EFFECTIVE_DIFF = `query($ns: String!, $path: String!, $from: EffectiveSide!, $to: EffectiveSide!) {
  namespace(name: $ns) { ... on Namespace {
    effectiveDiff(path: $path, from: $from, to: $to) {
      __typename
      ... on Diff { from { hash } to { hash } files { path status changes { pointer op oldValue newValue } patch unified oldContent newContent } }
      ${READ_OVERLAY_ERRORS}
    }
  } }
}`;

interface Field {
  pointer: string;
  value: unknown;
  layer: string;
  opIndex: number | null;
  version: { hash: string; operator: { name: string }; timestamp: string; comment: string };
}
interface Effective {
  __typename: string;
  content?: unknown;
  overlayPath?: string | null;
  at?: { hash: string };
  fields?: Field[];
  overlays?: Broken[];
}
interface Broken {
  basePath: string;
  cluster: string;
  overlayPath: string;
  opIndex: number | null;
  reason: string;
}
interface OverlayWrite extends WriteResult {
  overlays?: Broken[];
  version?: WriteResult['version'] & { forced?: boolean };
}
interface EffectiveDiff {
  __typename: string;
  from?: { hash: string };
  to?: { hash: string };
  files?: {
    path: string;
    status: string;
    changes: { pointer: string; op: string; oldValue: unknown; newValue: unknown }[];
    patch: unknown;
    unified: string;
    oldContent: unknown;
    newContent: unknown;
  }[];
  overlays?: Broken[];
}

const BASE = 'payments.yaml';
const PROD = 'payments.overlays/prod.patch.json';
const STAGING = 'payments.overlays/staging.patch.json';

describe('overlays', () => {
  let h: Harness;
  const v: string[] = [];
  const head = (): string => h.git('shop', 'rev-parse', 'HEAD').trim();
  const headOrNull = (): string | null => (h.git('shop', 'rev-list', '--all', '--max-count=1').trim() ? head() : null);

  const put = async (token: string, path: string, content: unknown, extra: Record<string, unknown> = {}): Promise<OverlayWrite> => {
    const res = await h.gql<{ putConfig: OverlayWrite }>(PUT, { input: { namespace: 'shop', path, content, expectedVersion: headOrNull(), ...extra } }, token);
    expect(res.errors).toBeUndefined();
    return res.data.putConfig;
  };
  const commit = async (token: string, path: string, content: unknown, comment: string): Promise<string> => {
    const done = await put(token, path, content, { comment });
    expect(done.status, JSON.stringify(done)).toBe('COMMITTED');
    return done.version!.hash;
  };
  const effective = async (cluster: string | null, at?: string): Promise<Effective> => {
    const res = await h.gql<{ namespace: { effectiveConfig: Effective } }>(EFFECTIVE, { ns: 'shop', path: BASE, cluster, at });
    expect(res.errors).toBeUndefined();
    return res.data.namespace.effectiveConfig;
  };
  const effectiveDiff = async (from: Record<string, unknown>, to: Record<string, unknown>): Promise<EffectiveDiff> => {
    const res = await h.gql<{ namespace: { effectiveDiff: EffectiveDiff } }>(EFFECTIVE_DIFF, { ns: 'shop', path: BASE, from, to });
    expect(res.errors).toBeUndefined();
    return res.data.namespace.effectiveDiff;
  };
  /** The stored value of a file at a version, read with the git CLI. */
  const stored = (version: string, path: string): JsonValue | undefined => {
    try {
      const text = h.git('shop', 'show', `${version}:${path}`);
      return (path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as JsonValue;
    } catch {
      return undefined;
    }
  };
  const author = (version: string): string => h.git('shop', 'show', '-s', '--format=%an', version).trim();
  const trailer = (version: string, key: string): string => h.git('shop', 'log', '-1', `--format=%(trailers:key=${key},valueonly)`, version).trim();

  beforeAll(async () => {
    h = await startHarness({ tokens: [ALICE, BOB] });
    await h.gql(CREATE_NAMESPACE, { name: 'shop' });
    const base = { replicas: 2, image: 'pay:1.0', limits: { cpu: '500m', memory: '1Gi' }, features: { fraud: true } };
    v.push(await commit(ALICE.token, BASE, base, 'base')); // v0
    const prod = [
      { op: 'test', path: '/image', value: 'pay:1.0' },
      { op: 'replace', path: '/replicas', value: 6 },
    ];
    v.push(await commit(BOB.token, PROD, prod, 'prod overlay')); // v1
    v.push(await commit(ALICE.token, BASE, { ...base, limits: { cpu: '500m', memory: '2Gi' } }, 'more memory')); // v2
    v.push(await commit(BOB.token, PROD, [...prod, { op: 'add', path: '/limits/cpu', value: '2' }], 'prod cpu')); // v3
    v.push(await commit(ALICE.token, BASE, { ...base, limits: { cpu: '500m', memory: '2Gi' }, features: { fraud: false } }, 'fraud off')); // v4
    v.push(await commit(BOB.token, STAGING, [{ op: 'replace', path: '/replicas', value: 1 }], 'staging overlay')); // v5
  });

  afterAll(() => h.close());

  it('merges the base and a cluster overlay, each field attributed to the layer and the commit that last set it', async () => {
    const prod = await effective('prod');
    expect(prod.__typename).toBe('EffectiveConfig');
    expect(prod.overlayPath).toBe(PROD);
    expect(prod.at!.hash).toBe(head());
    expect(prod.content).toEqual({ replicas: 6, image: 'pay:1.0', limits: { cpu: '2', memory: '2Gi' }, features: { fraud: false } });
    const by = Object.fromEntries(prod.fields!.map((f) => [f.pointer, f]));
    expect(Object.keys(by).sort()).toEqual(['/features/fraud', '/image', '/limits/cpu', '/limits/memory', '/replicas']);
    expect([by['/replicas']!.layer, by['/replicas']!.opIndex, by['/replicas']!.version.hash]).toEqual(['prod', 1, v[1]]);
    expect([by['/limits/cpu']!.layer, by['/limits/cpu']!.opIndex, by['/limits/cpu']!.version.hash]).toEqual(['prod', 2, v[3]]);
    expect([by['/image']!.layer, by['/image']!.version.hash]).toEqual(['BASE', v[0]]);
    expect([by['/limits/memory']!.layer, by['/limits/memory']!.version.hash]).toEqual(['BASE', v[2]]);
    expect([by['/features/fraud']!.layer, by['/features/fraud']!.version.hash]).toEqual(['BASE', v[4]]);
    expect(by['/replicas']!.version.operator.name).toBe('Bob Overlay');
    expect(by['/features/fraud']!.version.comment).toBe('fraud off');

    // Checked against the repository: each attributed commit is by that operator, and it is where the field got its value.
    for (const field of prod.fields!) {
      const { hash } = field.version;
      expect(author(hash)).toBe(field.layer === 'BASE' ? 'Alice Base' : 'Bob Overlay');
      if (field.layer === 'BASE') {
        expect(getAtPointer(stored(hash, BASE)!, field.pointer)).toEqual(field.value);
        const before = stored(`${hash}^`, BASE);
        expect(before === undefined ? undefined : getAtPointer(before, field.pointer)).not.toEqual(field.value);
      } else {
        const operation = (stored(head(), PROD) as JsonValue[])[field.opIndex!];
        expect(stored(hash, PROD)).toContainEqual(operation);
        expect(stored(`${hash}^`, PROD) ?? []).not.toContainEqual(operation);
      }
    }
  });

  it('answers for any version, the base alone without a cluster, and the base for a cluster without an overlay', async () => {
    const atV3 = await effective('prod', v[3]);
    expect(atV3.content).toEqual({ replicas: 6, image: 'pay:1.0', limits: { cpu: '2', memory: '2Gi' }, features: { fraud: true } });
    const fraud = atV3.fields!.find((f) => f.pointer === '/features/fraud')!;
    expect([fraud.layer, fraud.version.hash]).toEqual(['BASE', v[0]]);

    const base = await effective(null);
    expect(base.overlayPath).toBeNull();
    expect(base.content).toEqual(stored(head(), BASE));
    expect(new Set(base.fields!.map((f) => f.layer))).toEqual(new Set(['BASE']));
    expect(base.fields!.find((f) => f.pointer === '/replicas')!.version.hash).toBe(v[0]);

    const dev = await effective('dev');
    expect(dev.overlayPath).toBeNull();
    expect(dev.content).toEqual(base.content);

    const staging = await effective('staging');
    const replicas = staging.fields!.find((f) => f.pointer === '/replicas')!;
    expect([replicas.value, replicas.layer, replicas.version.hash]).toEqual([1, 'staging', v[5]]);

    const bad = await h.gql<{ namespace: { effectiveConfig: Effective } }>(EFFECTIVE, { ns: 'shop', path: PROD, cluster: null });
    expect(bad.data.namespace.effectiveConfig.__typename).toBe('InvalidPath');
    const badCluster = await effective('Prod!');
    expect(badCluster.__typename).toBe('InvalidInput');
    const offMain = h.git('shop', 'commit-tree', `${head()}^{tree}`, '-p', head(), '-m', 'off main').trim();
    h.git('shop', 'tag', 'off-main', offMain);
    expect((await effective('prod', 'off-main')).__typename).toBe('InvalidInput');
  });

  it('diffs effective configurations across clusters and across versions, in the shape of a version diff', async () => {
    const clusters = await effectiveDiff({ cluster: 'staging' }, { cluster: 'prod' });
    expect(clusters.__typename).toBe('Diff');
    expect([clusters.from!.hash, clusters.to!.hash]).toEqual([head(), head()]);
    expect(clusters.files).toHaveLength(1);
    const file = clusters.files![0]!;
    expect([file.path, file.status]).toEqual([BASE, 'MODIFIED']);
    expect(file.changes).toEqual(
      expect.arrayContaining([
        { pointer: '/replicas', op: 'REPLACE', oldValue: 1, newValue: 6 },
        { pointer: '/limits/cpu', op: 'REPLACE', oldValue: '500m', newValue: '2' },
      ]),
    );
    expect(file.changes).toHaveLength(2);
    expect(file.unified).toContain('-replicas: 1');
    expect(file.unified).toContain('+replicas: 6');
    expect(file.newContent).toEqual((await effective('prod')).content);

    const versions = await effectiveDiff({ cluster: 'prod', at: v[1] }, { cluster: 'prod', at: v[4] });
    expect([versions.from!.hash, versions.to!.hash]).toEqual([v[1], v[4]]);
    expect(versions.files![0]!.changes).toEqual(
      expect.arrayContaining([
        { pointer: '/limits/memory', op: 'REPLACE', oldValue: '1Gi', newValue: '2Gi' },
        { pointer: '/limits/cpu', op: 'REPLACE', oldValue: '500m', newValue: '2' },
        { pointer: '/features/fraud', op: 'REPLACE', oldValue: true, newValue: false },
      ]),
    );
    expect(versions.files![0]!.changes).toHaveLength(3);
    expect(versions.files![0]!.patch).toEqual(expect.arrayContaining([{ op: 'replace', path: '/features/fraud', value: false }]));

    const baseToProd = await effectiveDiff({}, { cluster: 'prod', at: 'HEAD' });
    expect(baseToProd.files![0]!.changes.map((c) => c.pointer).sort()).toEqual(['/limits/cpu', '/replicas']);

    const same = await effectiveDiff({ cluster: 'prod', at: v[4] }, { cluster: 'prod' });
    expect(same.files).toEqual([]);

    const beforeBase = await effectiveDiff({ cluster: 'prod', at: v[0] }, { cluster: 'prod', at: v[1] });
    expect(beforeBase.files![0]!.changes).toEqual([{ pointer: '/replicas', op: 'REPLACE', oldValue: 2, newValue: 6 }]);
  });

  it('validates overlay files when they are written: a patch document, a valid cluster name, nothing else in the folder', async () => {
    const before = head();
    const notArray = await put(BOB.token, 'payments.overlays/qa.patch.json', { op: 'add', path: '/x', value: 1 });
    expect([notArray.__typename, notArray.code]).toEqual(['InvalidDocument', 'INVALID_DOCUMENT']);
    const badOp = await put(BOB.token, 'payments.overlays/qa.patch.json', [{ op: 'merge', path: '/x' }]);
    expect(badOp.__typename).toBe('InvalidDocument');
    expect(badOp.message).toContain('operation 0');
    const noValue = await put(BOB.token, 'payments.overlays/qa.patch.json', [
      { op: 'test', path: '/image' },
      { op: 'add', path: 'x', value: 1 },
    ]);
    expect(noValue.message).toContain('operation 0');
    const badPointer = await put(BOB.token, 'payments.overlays/qa.patch.json', [{ op: 'add', path: 'x', value: 1 }]);
    expect(badPointer.__typename).toBe('InvalidDocument');
    const badCluster = await put(BOB.token, 'payments.overlays/QA_1.patch.json', []);
    expect(badCluster.__typename).toBe('InvalidPath');
    const stray = await put(BOB.token, 'payments.overlays/notes.json', { hello: 1 });
    expect(stray.__typename).toBe('InvalidPath');
    const nested = await put(BOB.token, 'payments.overlays/eu/prod.patch.json', []);
    expect(nested.__typename).toBe('InvalidPath');
    // Validation is not something force skips.
    const forcedBad = await put(BOB.token, 'payments.overlays/qa.patch.json', { op: 'add' }, { force: true });
    expect(forcedBad.__typename).toBe('InvalidDocument');
    expect(head()).toBe(before);
  });

  it('refuses an overlay that does not apply to its base, or has no base, naming the failing operation', async () => {
    const before = head();
    const missing = await put(BOB.token, 'payments.overlays/qa.patch.json', [
      { op: 'replace', path: '/replicas', value: 3 },
      { op: 'remove', path: '/nope' },
    ]);
    expect(missing.__typename).toBe('OverlayConflict');
    expect(missing.code).toBe('OVERLAY_CONFLICT');
    expect(missing.overlays).toEqual([
      { basePath: BASE, cluster: 'qa', overlayPath: 'payments.overlays/qa.patch.json', opIndex: 1, reason: expect.any(String) },
    ]);
    const orphan = await put(BOB.token, 'orders.overlays/prod.patch.json', [{ op: 'add', path: '/x', value: 1 }]);
    expect(orphan.__typename).toBe('OverlayConflict');
    expect(orphan.overlays![0]).toMatchObject({ cluster: 'prod', overlayPath: 'orders.overlays/prod.patch.json', opIndex: null });
    expect(head()).toBe(before);
  });

  it('refuses a base change that breaks overlays, listing each; one write that fixes the overlays too goes through', async () => {
    const before = head();
    const current = stored(before, BASE) as Record<string, JsonValue>;
    const withoutReplicas = Object.fromEntries(Object.entries({ ...current, image: 'pay:2.0' }).filter(([key]) => key !== 'replicas'));
    const refused = await put(ALICE.token, BASE, withoutReplicas, { comment: 'new image' });
    expect(refused.__typename).toBe('OverlayConflict');
    expect(refused.overlays!.map((o) => [o.cluster, o.overlayPath, o.opIndex])).toEqual([
      ['prod', PROD, 0],
      ['staging', STAGING, 0],
    ]);
    expect(refused.overlays![0]!.reason).toMatch(/test/i);
    expect(refused.message).toContain('prod');

    const deleted = await h.gql<{ deleteConfig: OverlayWrite }>(DELETE, { input: { namespace: 'shop', path: BASE, expectedVersion: before } }, ALICE.token);
    expect(deleted.data.deleteConfig.__typename).toBe('OverlayConflict');
    expect(deleted.data.deleteConfig.overlays!.map((o) => [o.cluster, o.opIndex])).toEqual([
      ['prod', null],
      ['staging', null],
    ]);
    expect(head()).toBe(before);

    // Deleting the base with its overlays in one write breaks nothing.
    const together = await h.gql<{ applyChanges: OverlayWrite }>(
      APPLY,
      { input: { namespace: 'shop', expectedVersion: before, changes: [BASE, PROD, STAGING].map((path) => ({ path, delete: true })), comment: 'drop all' } },
      ALICE.token,
    );
    expect(together.data.applyChanges.status, JSON.stringify(together.data)).toBe('COMMITTED');
    const dropped = together.data.applyChanges.version!.hash;
    const restored = await h.gql<{ rollback: OverlayWrite }>(ROLL, { input: { namespace: 'shop', to: before, expectedVersion: dropped } }, ALICE.token);
    expect(restored.data.rollback.status).toBe('COMMITTED');
    expect(h.git('shop', 'diff', '--stat', before, 'HEAD').trim()).toBe('');
  });

  it('accepts a breaking base change with force, recorded in the commit; broken overlays then block no unrelated write', async () => {
    const before = head();
    const current = stored(before, BASE) as Record<string, JsonValue>;
    const withoutReplicas = Object.fromEntries(Object.entries({ ...current, image: 'pay:2.0' }).filter(([key]) => key !== 'replicas'));
    const forced = await put(ALICE.token, BASE, withoutReplicas, { comment: 'new image, overlays next', force: true });
    expect(forced.status, JSON.stringify(forced)).toBe('COMMITTED');
    expect(forced.version!.forced).toBe(true);
    const hash = forced.version!.hash;
    expect(h.git('shop', 'rev-parse', `${hash}^`).trim()).toBe(before);
    expect(trailer(hash, 'Cairn-Forced')).toBe('true');
    expect(h.git('shop', 'log', '-1', '--format=%B', hash)).toContain('Cairn-Forced: true');

    const broken = await effective('prod');
    expect(broken.__typename).toBe('OverlayConflict');
    expect(broken.overlays).toEqual([{ basePath: BASE, cluster: 'prod', overlayPath: PROD, opIndex: 0, reason: expect.any(String) }]);

    // Already broken before this write: an unrelated base change is not refused for it, and is not forced.
    const unrelated = await put(ALICE.token, BASE, { ...withoutReplicas, owner: 'payments-team' }, { comment: 'owner' });
    expect(unrelated.status, JSON.stringify(unrelated)).toBe('COMMITTED');
    expect(unrelated.version!.forced).toBe(false);
    expect(trailer(unrelated.version!.hash, 'Cairn-Forced')).toBe('');
    // force on a write that breaks nothing is not a forced publish.
    const needless = await put(ALICE.token, BASE, { ...withoutReplicas, owner: 'payments' }, { force: true });
    expect(needless.status).toBe('COMMITTED');
    expect(needless.version!.forced).toBe(false);
    expect(h.git('shop', 'log', '-1', '--format=%B', needless.version!.hash)).not.toContain('Cairn-Forced');
  });

  it('checks rollbacks too: previews and commits are refused when they break a fixed overlay, and go through forced', async () => {
    const fixed = await put(BOB.token, PROD, [
      { op: 'test', path: '/image', value: 'pay:2.0' },
      { op: 'add', path: '/replicas', value: 6 },
    ]);
    expect(fixed.status, JSON.stringify(fixed)).toBe('COMMITTED');
    expect((await effective('prod')).content).toMatchObject({ image: 'pay:2.0', replicas: 6 });

    const before = head();
    const preview = await h.gql<{ rollback: OverlayWrite }>(
      ROLL,
      { input: { namespace: 'shop', to: v[4], paths: [BASE], expectedVersion: before, dryRun: true } },
      ALICE.token,
    );
    expect(preview.data.rollback.__typename).toBe('OverlayConflict');
    // Staging was broken and the rollback mends it; prod applied and the rollback breaks it.
    expect(preview.data.rollback.overlays!.map((o) => [o.cluster, o.opIndex])).toEqual([['prod', 0]]);
    const refused = await h.gql<{ rollback: OverlayWrite }>(
      ROLL,
      { input: { namespace: 'shop', to: v[4], paths: [BASE], expectedVersion: before } },
      ALICE.token,
    );
    expect(refused.data.rollback.__typename).toBe('OverlayConflict');
    expect(head()).toBe(before);

    const forced = await h.gql<{ rollback: OverlayWrite }>(
      ROLL,
      { input: { namespace: 'shop', to: v[4], paths: [BASE], expectedVersion: before, force: true } },
      ALICE.token,
    );
    expect(forced.data.rollback.status).toBe('COMMITTED');
    const hash = forced.data.rollback.version!.hash;
    expect(forced.data.rollback.version!.forced).toBe(true);
    expect(trailer(hash, 'Cairn-Forced')).toBe('true');
    expect(trailer(hash, 'Cairn-Action')).toBe('rollback');
    const staging = await effective('staging');
    expect(staging.content).toMatchObject({ replicas: 1, image: 'pay:1.0' });
    const replicas = staging.fields!.find((f) => f.pointer === '/replicas')!;
    // The staging overlay was deleted and restored by a rollback above: that rollback last put its operation there.
    const lastStaging = h.git('shop', 'log', '-1', '--format=%H', '--', STAGING).trim();
    expect(lastStaging).not.toBe(v[5]);
    expect([replicas.layer, replicas.version.hash]).toEqual(['staging', lastStaging]);
    const image = staging.fields!.find((f) => f.pointer === '/image')!;
    expect([image.layer, image.version.hash]).toEqual(['BASE', hash]);
  });

  it('checks reverts too: undoing the forced rollback mends prod but breaks staging', async () => {
    const before = head();
    const rollbackCommit = before;
    const refused = await h.gql<{ revert: OverlayWrite }>(REV, { input: { namespace: 'shop', version: rollbackCommit, expectedVersion: before } }, ALICE.token);
    expect(refused.data.revert.__typename).toBe('OverlayConflict');
    expect(refused.data.revert.overlays!.map((o) => [o.cluster, o.opIndex])).toEqual([['staging', 0]]);
    expect(head()).toBe(before);
    const forced = await h.gql<{ revert: OverlayWrite }>(
      REV,
      { input: { namespace: 'shop', version: rollbackCommit, expectedVersion: before, force: true } },
      ALICE.token,
    );
    expect(forced.data.revert.status).toBe('COMMITTED');
    expect(trailer(forced.data.revert.version!.hash, 'Cairn-Reverts')).toBe(rollbackCommit);
    expect(trailer(forced.data.revert.version!.hash, 'Cairn-Forced')).toBe('true');
    expect((await effective('prod')).content).toMatchObject({ image: 'pay:2.0', replicas: 6 });
  });
});
