import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, READ_ERROR_FIELDS, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, type TestToken, VIEWER } from '../support/tokens.js';

/** compareConfigs: any two configurations side by side, as their instances run them. */

const STAGING_ONLY: TestToken = { token: 'staging-viewer-token', name: 'Stan', email: 'stan@example.com', roles: { staging: 'viewer' } };

const COMPARE = `query($left: ConfigSideInput!, $right: ConfigSideInput!, $prefix: String) {
  compareConfigs(left: $left, right: $right, prefix: $prefix) {
    __typename
    ... on CompareConfigsSuccess { data { left { hash } right { hash } files { path status changes { pointer op oldValue newValue } } } }
    ${READ_ERROR_FIELDS}
  } }`;

interface Compared {
  compareConfigs: {
    __typename: string;
    code?: string;
    data?: {
      left: { hash: string };
      right: { hash: string };
      files: { path: string; status: string; changes: { pointer: string; op: string; oldValue: unknown; newValue: unknown }[] }[];
    };
  };
}

describe('compareConfigs', () => {
  let h: Harness;
  const heads: Record<string, string> = {};
  const compare = async (left: object, right: object, prefix?: string, token = VIEWER.token) =>
    (await h.gql<Compared>(COMPARE, { left, right, prefix }, token)).data.compareConfigs;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, STAGING_ONLY] });
    for (const [ns, pool] of [
      ['staging', 20],
      ['production', 10],
    ] as const) {
      await h.gql(CREATE_NAMESPACE, { name: ns }, ADMIN.token);
      const changes = [
        { path: 'api/limits.json', content: { pool, timeoutMs: 500 } },
        { path: 'api/limits.overlays/eu-1.patch.json', content: [{ op: 'replace', path: '/timeoutMs', value: 800 }] },
        { path: 'web/flags.json', content: { checkout: ns === 'staging' } },
        ...(ns === 'staging' ? [{ path: 'api/new.json', content: { beta: true } }] : []),
      ];
      const res = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace: ns, changes, expectedVersion: null } }, EDITOR.token);
      heads[ns] = res.data.applyChanges.version!.hash;
    }
    const defined = await h.gql<{ defineEnvironment: WriteResult }>(
      DEFINE_ENVIRONMENT,
      { input: { namespace: 'production', name: 'prod', expectedVersion: heads.production } },
      ADMIN.token,
    );
    await h.gql(RELEASE, { input: { namespace: 'production', environment: 'prod', version: defined.data.defineEnvironment.version!.hash } }, EDITOR.token);
  });

  afterAll(() => h?.close());

  it('compares two namespaces as one cluster runs them: each document that differs, value by value', async () => {
    const result = await compare({ namespace: 'production', environment: 'prod', cluster: 'eu-1' }, { namespace: 'staging', cluster: 'eu-1' }, 'api/');
    expect(result.__typename).toBe('CompareConfigsSuccess');
    expect(result.data!.right.hash).toBe(heads.staging);
    expect(result.data!.files.map((f) => [f.path, f.status])).toEqual([
      ['api/limits.json', 'MODIFIED'],
      ['api/new.json', 'ADDED'],
    ]);
    // The overlay applies on both sides: only the pool differs, not eu-1's timeout.
    expect(result.data!.files[0]!.changes).toEqual([{ pointer: '/pool', op: 'REPLACE', oldValue: 10, newValue: 20 }]);
  });

  it('compares two clusters of one version, and says nothing differs when nothing does', async () => {
    const clusters = await compare({ namespace: 'production' }, { namespace: 'production', cluster: 'eu-1' });
    expect(clusters.data!.files.map((f) => f.changes)).toEqual([[{ pointer: '/timeoutMs', op: 'REPLACE', oldValue: 500, newValue: 800 }]]);
    expect((await compare({ namespace: 'production', at: heads.production }, { namespace: 'production', at: 'HEAD~1' })).data!.files).toEqual([]);
  });

  it('refuses what a side may not read, and a side with both at and environment', async () => {
    expect((await compare({ namespace: 'staging' }, { namespace: 'production' }, undefined, STAGING_ONLY.token)).__typename).toBe('Forbidden');
    expect((await compare({ namespace: 'production', at: 'HEAD', environment: 'prod' }, { namespace: 'staging' })).__typename).toBe('InvalidInput');
    expect((await compare({ namespace: 'production', environment: 'qa' }, { namespace: 'staging' })).__typename).toBe('NotFound');
  });
});
