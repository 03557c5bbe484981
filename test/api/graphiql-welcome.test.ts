import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_WELCOME } from '../../src/server/yoga.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/** GraphiQL's first tab says what Cairn is and holds a query that runs as it stands. */
describe("GraphiQL's welcome", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    await h.gql(CREATE_NAMESPACE, { name: 'payments' });
  });
  afterAll(() => h?.close());

  it('runs as written and answers the namespaces', async () => {
    const res = await h.gql<{ namespaces: { edges: { node: { name: string } }[] } }>(GRAPHIQL_WELCOME);
    expect(res.errors).toBeUndefined();
    expect(res.data.namespaces.edges.map((e) => e.node.name)).toEqual(['payments']);
    expect(GRAPHIQL_WELCOME).toMatch(/^# Cairn: versioned configuration on Git/);
  });
});
