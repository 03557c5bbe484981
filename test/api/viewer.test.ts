import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

const VIEWER_QUERY = `query($a: String!, $b: String!, $c: String!) { viewer { name email grants { pattern role } a: role(namespace: $a) b: role(namespace: $b) c: role(namespace: $c) } }`;

describe('viewer: who the request is authenticated as', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      tokens: [
        { token: 'mixed-token', name: 'Mia Mixed', email: 'mia@example.com', roles: { '*': 'viewer', 'team-*': 'editor', 'team-core': 'admin' } },
        { token: 'narrow-token', name: 'Nat Narrow', email: 'nat@example.com', roles: { payments: 'editor' } },
      ],
    });
  });
  afterAll(() => h.close());

  it('answers the operator and the most specific grant per namespace, as the access checks use it', async () => {
    const r = await h.gql(VIEWER_QUERY, { a: 'team-core', b: 'team-web', c: 'other' }, 'mixed-token');
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({
      viewer: {
        name: 'Mia Mixed',
        email: 'mia@example.com',
        grants: expect.arrayContaining([
          { pattern: '*', role: 'VIEWER' },
          { pattern: 'team-*', role: 'EDITOR' },
          { pattern: 'team-core', role: 'ADMIN' },
        ]),
        a: 'ADMIN',
        b: 'EDITOR',
        c: 'VIEWER',
      },
    });
  });

  it('answers null where the operator has no role, and the server refuses the same namespace', async () => {
    const r = await h.gql<{ viewer: { a: string | null; c: string | null } }>(VIEWER_QUERY, { a: 'payments', b: 'payments', c: 'team-core' }, 'narrow-token');
    expect(r.data.viewer.a).toBe('EDITOR');
    expect(r.data.viewer.c).toBeNull();
    const refused = await h.gql<{ namespace: { __typename: string } }>(`{ namespace(name: "team-core") { __typename } }`, {}, 'narrow-token');
    expect(refused.data.namespace.__typename).toBe('Forbidden');
  });

  it('is refused without a token (401), like every operation', async () => {
    const r = await h.gql(`{ viewer { name } }`, {}, null);
    expect(r.status).toBe(401);
  });
});
