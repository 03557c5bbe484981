import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, type TestToken, VIEWER } from '../support/tokens.js';

/** The root `audit`: every readable namespace's log, newest first, paged with no gap and no repeat. */

const TWO: TestToken = { token: 'two-namespaces-token', name: 'Two', email: 'two@example.com', roles: { alpha: 'viewer', beta: 'viewer' } };

const AUDIT = `query($first: Int, $after: String, $filter: AuditFilter) { audit(first: $first, after: $after, filter: $filter) {
  edges { cursor node { namespace version { hash } time operator { email } action } } pageInfo { hasNextPage endCursor } } }`;

interface Entry {
  namespace: string;
  version: { hash: string };
  time: string;
  operator: { email: string };
}

describe('audit across namespaces', () => {
  let h: Harness;
  const all = async (token: string, first: number, filter: Record<string, unknown> = {}): Promise<Entry[]> => {
    const entries: Entry[] = [];
    for (let after: string | null = null; ;) {
      const res: { data: { audit: { edges: { node: Entry }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }; errors?: unknown } =
        await h.gql(AUDIT, { first, after, filter }, token);
      expect(res.errors).toBeUndefined();
      entries.push(...res.data.audit.edges.map((e) => e.node));
      if (!res.data.audit.pageInfo.hasNextPage) return entries;
      after = res.data.audit.pageInfo.endCursor;
    }
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, TWO] });
    for (const ns of ['alpha', 'beta', 'gamma']) await h.gql(CREATE_NAMESPACE, { name: ns }, ADMIN.token);
    // Interleaved, many within one second: the order's ties (time, then namespace) are exercised.
    const heads: Record<string, string | null> = { alpha: null, beta: null, gamma: null };
    for (let i = 0; i < 7; i += 1) {
      for (const ns of ['gamma', 'alpha', 'beta']) {
        const token = i % 2 === 0 ? EDITOR.token : ADMIN.token;
        const res = await h.gql<{ putConfig: WriteResult }>(
          PUT_CONFIG,
          { input: { namespace: ns, path: 'n.json', content: { i }, expectedVersion: heads[ns] } },
          token,
        );
        heads[ns] = res.data.putConfig.version!.hash;
      }
    }
  });

  afterAll(() => h?.close());

  it('pages every entry of every namespace once, newest first by time then namespace, as git log has each', async () => {
    const whole = await all(VIEWER.token, 100);
    expect(whole).toHaveLength(21);
    for (const page of [1, 2, 5]) expect(await all(VIEWER.token, page)).toEqual(whole);
    for (let i = 1; i < whole.length; i += 1) {
      const [a, b] = [whole[i - 1]!, whole[i]!];
      expect(a.time > b.time || (a.time === b.time && a.namespace <= b.namespace)).toBe(true);
    }
    for (const ns of ['alpha', 'beta', 'gamma']) {
      expect(whole.filter((e) => e.namespace === ns).map((e) => e.version.hash)).toEqual(h.git(ns, 'log', '--format=%H').trim().split('\n'));
    }
  });

  it('says what each change touched (policy, environments, documents) and filters on it', async () => {
    const policy = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'gamma', path: '.cairn/policy.json', content: { approvals: [] }, expectedVersion: 'HEAD' } },
      ADMIN.token,
    );
    const defined = await h.gql<{ defineEnvironment: WriteResult }>(
      DEFINE_ENVIRONMENT,
      { input: { namespace: 'gamma', name: 'prod', expectedVersion: 'HEAD' } },
      ADMIN.token,
    );
    const query = `query($filter: AuditFilter) { namespace(name: "gamma") { ... on Namespace { audit(filter: $filter) { edges { node { version { hash } subjects } } } } } }`;
    const entries = async (filter: Record<string, unknown>) =>
      (
        await h.gql<{ namespace: { audit: { edges: { node: { version: { hash: string }; subjects: string[] } }[] } } }>(query, { filter }, VIEWER.token)
      ).data.namespace.audit.edges.map((e) => e.node);
    expect(await entries({ subject: 'POLICY' })).toEqual([{ version: { hash: policy.data.putConfig.version!.hash }, subjects: ['POLICY'] }]);
    expect(await entries({ subject: 'ENVIRONMENT' })).toEqual([{ version: { hash: defined.data.defineEnvironment.version!.hash }, subjects: ['ENVIRONMENT'] }]);
    expect((await entries({ subject: 'DOCUMENT' })).every((e) => e.subjects.includes('DOCUMENT'))).toBe(true);
    expect(await entries({ subject: 'DOCUMENT' })).toHaveLength(7);
  });

  it('reads only the namespaces the token may read, and takes the namespace audit filters', async () => {
    expect(new Set((await all(TWO.token, 4)).map((e) => e.namespace))).toEqual(new Set(['alpha', 'beta']));
    const byAda = await all(VIEWER.token, 3, { operator: 'ada' });
    const adaCommits = ['alpha', 'beta', 'gamma'].flatMap((ns) =>
      h.git(ns, 'log', `--author=${ADMIN.email}`, '--format=%H').trim().split('\n').filter(Boolean),
    );
    expect(byAda.map((e) => e.version.hash).sort()).toEqual(adaCommits.sort());
    expect(byAda.every((e) => e.operator.email === ADMIN.email)).toBe(true);
    const tooBig = await h.gql(AUDIT, { first: 101 }, VIEWER.token);
    expect(tooBig.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT' } });
    const refused = await h.gql(AUDIT, { first: 5, filter: { action: 'PROPOSE' } }, VIEWER.token);
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT' } });
  });
});
