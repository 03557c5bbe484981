import { it } from 'vitest';
import { startHarness } from '/work/main/test/support/harness.js';
import { CREATE_NAMESPACE, DELETE_CONFIG, PUT_CONFIG } from '/work/main/test/support/operations.js';
const A = { token: 'alice-bad-input-token', name: 'A', email: 'a@x', roles: { '*': 'admin' as const } };
it('probe', async () => {
  const h = await startHarness({ tokens: [A] });
  await h.gql(CREATE_NAMESPACE, { name: 'bad' });
  await h.gql(PUT_CONFIG, { input: { namespace: 'bad', path: 'a.json', content: {}, expectedVersion: null } });
  const head = h.git('bad', 'rev-parse', 'HEAD').trim();
  console.log(JSON.stringify((await h.gql(DELETE_CONFIG.replace('... on Error', '... on NotFound { kind key } ... on Error'), { input: { namespace: 'bad', path: 'missing.json', expectedVersion: head } })).data));
  const bodies = ['{"query": "{ namespace(name: \\"bad\\") { "}',
        '{"query": "mutation { putConfig(input: { namespace: \\"bad\\", path: \\"x.json\\", content: 1, operator: \\"eve\\" }) { __typename } }"}',
        JSON.stringify({ query: PUT_CONFIG, variables: { input: { namespace: 'bad', path: 7, content: {} } } }),
        JSON.stringify({ query: PUT_CONFIG, variables: { input: { namespace: 'bad' } } }),
        JSON.stringify({ query: PUT_CONFIG }),
        '{"query": ', 'not json at all', '[]', '{}'];
  for (const accept of ['application/json', 'application/graphql-response+json', undefined]) for (const body of bodies) {
    const res = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${A.token}`, ...(accept ? { accept } : {}) }, body });
    console.log(accept, res.status, body.slice(0, 50), (await res.text()).slice(0, 150));
  }
  let content: unknown = 1;
  for (let i = 0; i < 10_000; i += 1) content = { a: content };
  const body = `{"query":${JSON.stringify(PUT_CONFIG)},"variables":{"input":{"namespace":"bad","path":"deep.json","expectedVersion":"${head}","content":${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}}}}`;
  const res = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${A.token}` }, body });
  console.log('deep', res.status, (await res.text()).slice(0, 300));
  const ybody = `{"query":${JSON.stringify(PUT_CONFIG)},"variables":{"input":{"namespace":"bad","path":"deep.yaml","expectedVersion":"${head}","content":${'['.repeat(10000)}1${']'.repeat(10000)}}}}`;
  const res2 = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${A.token}` }, body: ybody });
  console.log('deep yaml', res2.status, (await res2.text()).slice(0, 300));
  console.log(h.git('bad', 'log', '--oneline'));
  await h.close();
});
