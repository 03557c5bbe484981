import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, PROMOTE, RELEASE } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, READ_ERROR_FIELDS, type WriteResult } from '../support/operations.js';

/** environmentDiff: what a promotion would change, per cluster, in the documents as each cluster's instances run them. */

const DIFF = `query($ns: String!, $from: String!, $to: String!) { environmentDiff(namespace: $ns, from: $from, to: $to) {
  __typename ... on EnvironmentDiffSuccess { data { cluster files { path status changes { pointer op oldValue newValue } } } } ${READ_ERROR_FIELDS} } }`;

interface ClusterDiff {
  cluster: string | null;
  files: { path: string; status: string; changes: { pointer: string; op: string; oldValue: unknown; newValue: unknown }[] }[];
}

describe('environmentDiff', () => {
  let h: Harness;
  const v: string[] = [];

  const data = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const res = await h.gql<T>(query, variables);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  };
  const apply = async (changes: unknown[]): Promise<string> => {
    const res = await data<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace: 'diffs', changes, expectedVersion: v.at(-1) ?? null } });
    const hash = res.applyChanges.version!.hash;
    v.push(hash);
    return hash;
  };
  const release = async (environment: string, version: string, expectedRelease: string | null): Promise<string> => {
    const res = await data<{ release: WriteResult }>(RELEASE, { input: { namespace: 'diffs', environment, version, expectedRelease } });
    expect(res.release.status).toBe('COMMITTED');
    return res.release.version!.hash;
  };
  const diff = async (from: string, to: string): Promise<{ __typename: string; data?: ClusterDiff[]; kind?: string; message?: string }> =>
    (await data<{ environmentDiff: { __typename: string; data?: ClusterDiff[] } }>(DIFF, { ns: 'diffs', from, to })).environmentDiff;

  beforeAll(async () => {
    h = await startHarness();
    await data(CREATE_NAMESPACE, { name: 'diffs' });
    await apply([
      { path: 'app.json', content: { replicas: 1, region: 'any' } },
      { path: 'app.overlays/eu-1.patch.json', content: [{ op: 'replace', path: '/region', value: 'eu' }] },
    ]);
    for (const [name, clusters] of [
      ['staging', []],
      ['prod', ['eu-1', 'us-1']],
    ] as const) {
      const defined = await data<{ defineEnvironment: WriteResult }>(DEFINE_ENVIRONMENT, {
        input: { namespace: 'diffs', name, clusters, expectedVersion: v.at(-1) },
      });
      v.push(defined.defineEnvironment.version!.hash);
    }
  });

  afterAll(() => h?.close());

  it('answers per cluster the effective documents that differ: the base, and each cluster with its overlay applied', async () => {
    const first = v.at(-1)!;
    const stagingRelease = await release('staging', first, null);
    const prodRelease = await release('prod', first, null);
    expect(await diff('staging', 'prod')).toMatchObject({
      data: [
        { cluster: null, files: [] },
        { cluster: 'eu-1', files: [] },
        { cluster: 'us-1', files: [] },
      ],
    });

    // The base changes for everyone; eu-1's overlay pins the region, so only the replicas change there.
    const second = await apply([
      { path: 'app.json', content: { replicas: 3, region: 'global' } },
      { path: 'flags.json', content: { beta: true } },
    ]);
    await release('staging', second, stagingRelease);
    const answer = await diff('staging', 'prod');
    expect(answer.__typename).toBe('EnvironmentDiffSuccess');
    const byCluster = new Map(answer.data!.map((d) => [d.cluster, d.files]));
    expect([...byCluster.keys()]).toEqual([null, 'eu-1', 'us-1']);
    const appChanges = (cluster: string | null) =>
      byCluster
        .get(cluster)!
        .find((f) => f.path === 'app.json')!
        .changes.map((c) => [c.pointer, c.oldValue, c.newValue]);
    expect(appChanges(null)).toEqual([
      ['/replicas', 1, 3],
      ['/region', 'any', 'global'],
    ]);
    expect(appChanges('eu-1')).toEqual([['/replicas', 1, 3]]);
    expect(appChanges('us-1')).toEqual(appChanges(null));
    for (const files of byCluster.values())
      expect(files.map((f) => [f.path, f.status])).toEqual([
        ['app.json', 'MODIFIED'],
        ['flags.json', 'ADDED'],
      ]);
    // The promotion it previews changes exactly those documents.
    const promoted = await data<{ promote: WriteResult }>(PROMOTE, {
      input: { namespace: 'diffs', from: 'staging', to: 'prod', expectedRelease: prodRelease },
    });
    expect(promoted.promote.status).toBe('COMMITTED');
    expect((await diff('staging', 'prod')).data!.every((d) => d.files.length === 0)).toBe(true);
  });

  it('refuses an unknown environment, and a source that has no release', async () => {
    expect(await diff('qa', 'prod')).toMatchObject({ __typename: 'NotFound', kind: 'environment' });
    const defined = await data<{ defineEnvironment: WriteResult }>(DEFINE_ENVIRONMENT, { input: { namespace: 'diffs', name: 'dev', expectedVersion: 'HEAD' } });
    expect(defined.defineEnvironment.status).toBe('COMMITTED');
    expect(await diff('dev', 'prod')).toMatchObject({ __typename: 'InvalidInput', message: 'dev has no release to compare' });
  });
});
