import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, PAYLOAD_FIELDS, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

const REVERT_DETAIL = `mutation($input: RevertInput!) { revert(input: $input) { __typename ${PAYLOAD_FIELDS}
  ... on Error { code message }
  ... on RevertConflict { revertedVersion conflicts { path pointers values {
    pointer truncated before { present value } after { present value } current { present value }
    laterVersions { version { hash comment operator { name } } value { present value } }
  } } } } }`;

interface Side {
  present: boolean;
  value: unknown;
}
interface Detail extends WriteResult {
  conflicts?: {
    path: string;
    pointers: string[];
    values: {
      pointer: string;
      truncated: boolean;
      before: Side;
      after: Side;
      current: Side;
      laterVersions: { version: { hash: string; comment: string }; value: Side }[];
    }[];
  }[];
}

describe('revert conflicts: the detail of each value, and a revert committed with chosen values', () => {
  let h: Harness;
  const v: string[] = [];
  const put = async (content: unknown, comment: string): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'cfg', path: 'app.json', content, expectedVersion: v.at(-1) ?? null, comment },
    });
    expect(res.data.putConfig.status, JSON.stringify(res.data)).toBe('COMMITTED');
    return res.data.putConfig.version!.hash;
  };
  const revert = async (input: Record<string, unknown>): Promise<Detail> =>
    (await h.gql<{ revert: Detail }>(REVERT_DETAIL, { input: { namespace: 'cfg', version: v[1], ...input } })).data.revert;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' });
    v.push(await put({ replicas: 1, region: 'eu', debug: false, keep: 'x' }, 'start'));
    v.push(await put({ replicas: 2, region: 'us', debug: true, keep: 'x' }, 'the one to revert'));
    v.push(await put({ replicas: 3, region: 'us', debug: true, keep: 'x' }, 'three replicas'));
    v.push(await put({ replicas: 4, region: 'asia', debug: true, keep: 'y' }, 'four in asia'));
  });

  afterAll(() => h.close());

  it('lists each conflicting value with before, after, head and the later versions that changed it, newest first', async () => {
    const res = await revert({ expectedVersion: v[3] });
    expect(res.__typename).toBe('RevertConflict');
    const [app] = res.conflicts!;
    expect(app!.pointers).toEqual(['/region', '/replicas']);
    const replicas = app!.values.find((x) => x.pointer === '/replicas')!;
    expect(replicas.before).toEqual({ present: true, value: 1 });
    expect(replicas.after).toEqual({ present: true, value: 2 });
    expect(replicas.current).toEqual({ present: true, value: 4 });
    expect(replicas.truncated).toBe(false);
    expect(replicas.laterVersions.map((l) => [l.version.hash, l.version.comment, l.value.value])).toEqual([
      [v[3], 'four in asia', 4],
      [v[2], 'three replicas', 3],
    ]);
    const region = app!.values.find((x) => x.pointer === '/region')!;
    expect(region.laterVersions.map((l) => [l.version.hash, l.value.value])).toEqual([[v[3], 'asia']]);
  });

  it('refuses resolutions for values not in conflict, a partial resolution, and a stale expected version', async () => {
    const stray = await revert({
      expectedVersion: v[3],
      resolutions: [
        { path: 'app.json', pointer: '/replicas', value: 3 },
        { path: 'app.json', pointer: '/region', value: 'eu' },
        { path: 'app.json', pointer: '/keep', value: 'z' },
      ],
    });
    expect([stray.__typename, stray.code]).toEqual(['InvalidInput', 'INVALID_INPUT']);
    const otherDocument = await revert({ expectedVersion: v[3], resolutions: [{ path: 'other.json', pointer: '/a', value: 1 }] });
    expect(otherDocument.__typename).toBe('InvalidInput');
    const partial = await revert({ expectedVersion: v[3], resolutions: [{ path: 'app.json', pointer: '/replicas', value: 3 }] });
    expect(partial.__typename).toBe('RevertConflict');
    const stale = await revert({
      expectedVersion: v[2],
      resolutions: [
        { path: 'app.json', pointer: '/replicas', value: 3 },
        { path: 'app.json', pointer: '/region', value: 'mars' },
      ],
    });
    expect(stale.__typename).toBe('VersionConflict');
    expect(h.git('cfg', 'rev-parse', 'HEAD').trim()).toBe(v[3]);
  });

  it('commits the revert with the chosen values in one REVERT commit', async () => {
    const resolutions = [
      { path: 'app.json', pointer: '/replicas', value: 3 },
      { path: 'app.json', pointer: '/region', value: 'mars' },
    ];
    const preview = await revert({ expectedVersion: v[3], resolutions, dryRun: true });
    expect(preview.status).toBe('PREVIEW');
    const done = await revert({ expectedVersion: v[3], resolutions, comment: 'undo, keeping three replicas' });
    expect(done.status, JSON.stringify(done)).toBe('COMMITTED');
    expect(h.git('cfg', 'rev-list', '--count', `${v[3]}..main`).trim()).toBe('1');
    const message = h.git('cfg', 'log', '-1', '--format=%B', 'main');
    expect(message).toContain('Cairn-Action: revert');
    expect(message).toContain(`Cairn-Reverts: ${v[1]}`);
    // The values chosen by hand are named, so the audit tells them from what the revert restored.
    expect(h.git('cfg', 'log', '-1', '--format=%(trailers:key=Cairn-Resolved,valueonly)', 'main').trim()).toBe('app.json#%2Freplicas, app.json#%2Fregion');
    // The clean change (debug) is undone, the chosen values are there, the later change nobody reverted stays.
    expect(JSON.parse(h.git('cfg', 'show', 'main:app.json'))).toEqual({ replicas: 3, region: 'mars', debug: false, keep: 'y' });
  });

  it('removes a conflicting value when the resolution says remove', async () => {
    const head = h.git('cfg', 'rev-parse', 'HEAD').trim();
    const res = await revert({
      expectedVersion: head,
      resolutions: [
        { path: 'app.json', pointer: '/replicas', remove: true },
        { path: 'app.json', pointer: '/region', value: null },
      ],
    });
    // The first revert already undid debug and set both values: reverting again conflicts on the same two values.
    expect(res.status, JSON.stringify(res)).toBe('COMMITTED');
    expect(JSON.parse(h.git('cfg', 'show', 'main:app.json'))).toEqual({ region: null, debug: false, keep: 'y' });
  });
});

describe('revert conflicts: the detail is bounded (CAIRN_MAX_REVERT_LATER_VERSIONS)', () => {
  let h: Harness;
  afterAll(() => h.close());

  it('reads at most the newest later versions of a document and says the list was cut short; the conflict stays exact', async () => {
    h = await startHarness({ tokens: [ADMIN], env: { CAIRN_MAX_REVERT_LATER_VERSIONS: '2' } });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' });
    const v: string[] = [];
    for (const replicas of [1, 2, 3, 4, 5]) {
      const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
        input: { namespace: 'cfg', path: 'app.json', content: { replicas }, expectedVersion: v.at(-1) ?? null },
      });
      v.push(res.data.putConfig.version!.hash);
    }
    const res = (await h.gql<{ revert: Detail }>(REVERT_DETAIL, { input: { namespace: 'cfg', version: v[1], expectedVersion: v[4] } })).data.revert;
    expect(res.conflicts![0]!.pointers).toEqual(['/replicas']);
    const [replicas] = res.conflicts![0]!.values;
    expect(replicas!.truncated).toBe(true);
    expect(replicas!.laterVersions.map((l) => [l.version.hash, l.value.value])).toEqual([
      [v[4], 5],
      [v[3], 4],
    ]);
  });

  it('shares the bound among the documents of one revert: a later document gets what the earlier ones left', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'wide' });
    const head = (): string => h.git('wide', 'rev-parse', 'main').trim();
    const apply = async (a: number, b: number, expectedVersion: string | null): Promise<string> => {
      const res = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, {
        input: {
          namespace: 'wide',
          expectedVersion,
          changes: [
            { path: 'a.json', content: { n: a } },
            { path: 'b.json', content: { n: b } },
          ],
        },
      });
      return res.data.applyChanges.version!.hash;
    };
    await apply(0, 0, null);
    const reverted = await apply(1, 1, head());
    await apply(2, 2, head());
    await apply(3, 3, head());
    const res = (await h.gql<{ revert: Detail }>(REVERT_DETAIL, { input: { namespace: 'wide', version: reverted, expectedVersion: head() } })).data.revert;
    const [a, b] = res.conflicts!.map((c) => c.values[0]!);
    expect(a!.laterVersions).toHaveLength(2);
    expect(b).toMatchObject({ truncated: true, laterVersions: [] });
  });
});
