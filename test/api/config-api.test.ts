import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, type TestToken, VIEWER } from '../support/tokens.js';
import { failureOf } from '../support/http-failure.js';

/** The plain HTTP read API over a real socket: documents as text or JSON, by version, environment and cluster. */

const OUTSIDER: TestToken = { token: 'out-token', name: 'Outsider', email: 'out@example.com', roles: { elsewhere: 'viewer' } };
const AGENT: TestToken = { token: 'agent-token', name: 'Agent', email: 'agent@example.com', roles: { '*': 'agent' } };
const FRONTEND = 'http://frontend.example';

describe('GET /v1/config/<namespace>/<path>', () => {
  let h: Harness;
  const v: string[] = [];

  const get = (path: string, token: string | null = VIEWER.token, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${h.url}/v1/config/${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const gql = async <T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> => {
    const res = await h.gql<T>(query, variables, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, OUTSIDER, AGENT], env: { CAIRN_CORS_ORIGINS: FRONTEND } });
    await gql(CREATE_NAMESPACE, { name: 'shop' }, ADMIN.token);
    const changes = [
      { path: 'app.yaml', text: 'replicas: 1\nregion: any\n' },
      { path: 'flags/ui.yaml', text: '# the checkout flag\ncheckout: false\n' },
      { path: 'app.overlays/eu-1.patch.json', content: [{ op: 'replace', path: '/region', value: 'eu' }] },
    ];
    const base = await gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace: 'shop', changes, expectedVersion: null } }, EDITOR.token);
    v.push(base.applyChanges.version!.hash);
    const defined = await gql<{ defineEnvironment: WriteResult }>(
      DEFINE_ENVIRONMENT,
      { input: { namespace: 'shop', name: 'prod', expectedVersion: v[0] } },
      ADMIN.token,
    );
    v.push(defined.defineEnvironment.version!.hash);
    await gql(RELEASE, { input: { namespace: 'shop', environment: 'prod', version: v[1], expectedRelease: null } }, EDITOR.token);
    const put = await gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: 'app.yaml', text: 'replicas: 3\nregion: any\n', expectedVersion: v[1] } },
      EDITOR.token,
    );
    v.push(put.putConfig.version!.hash);
  });

  afterAll(() => h?.close());

  it("answers main's head as text in the document's format, or as JSON, with the version as ETag; If-None-Match is 304", async () => {
    const res = await get('shop/app.yaml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/yaml; charset=utf-8');
    expect(res.headers.get('etag')).toBe(`"${v[2]}"`);
    expect(await res.text()).toBe('replicas: 3\nregion: any\n');
    const json = await get('shop/app.yaml?format=json');
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await json.json()).toEqual({ replicas: 3, region: 'any' });
    expect((await get('shop/app.yaml', VIEWER.token, { 'if-none-match': `"${v[2]}"` })).status).toBe(304);
  });

  it('answers any version (at), what an environment released (env), and a cluster with its overlay (cluster)', async () => {
    expect(await (await get(`shop/app.yaml?at=${v[0]}&format=json`)).json()).toEqual({ replicas: 1, region: 'any' });
    // prod released v[1]: replicas 1, whatever main has since.
    const prod = await get('shop/app.yaml?env=prod&format=json');
    expect(prod.headers.get('etag')).toBe(`"${v[1]}"`);
    expect(await prod.json()).toEqual({ replicas: 1, region: 'any' });
    expect(await (await get('shop/app.yaml?env=prod&cluster=eu-1&format=json')).json()).toEqual({ replicas: 1, region: 'eu' });
    expect(await (await get('shop/app.yaml?env=prod&cluster=eu-1&instance=web-1&format=json')).json()).toEqual({ replicas: 1, region: 'eu' });
  });

  it('long-polls (?wait with If-None-Match): answered as soon as the document changes, not when another does; 304 when the wait ends', async () => {
    const head = (await get('shop/app.yaml')).headers.get('etag')!;
    // Nothing changes: 304 once the wait is over, with the same ETag.
    const started = Date.now();
    const idle = await get('shop/app.yaml?wait=300ms', VIEWER.token, { 'if-none-match': head });
    expect(idle.status).toBe(304);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    // A commit to another document wakes the poll, which goes on waiting; a commit to this one answers it.
    const held = get('shop/app.yaml?wait=10s&format=json', VIEWER.token, { 'if-none-match': head });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = await gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: 'other.json', content: { x: 1 }, expectedVersion: null } },
      EDITOR.token,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const changedAt = Date.now();
    const changed = await gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: 'app.yaml', text: 'replicas: 5\nregion: any\n', expectedVersion: other.putConfig.version!.hash } },
      EDITOR.token,
    );
    const answer = await held;
    expect(Date.now() - changedAt).toBeLessThan(1000);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('etag')).toBe(`"${changed.putConfig.version!.hash}"`);
    expect(await answer.json()).toEqual({ replicas: 5, region: 'any' });
    expect(await (await get('shop/app.yaml?wait=forever')).json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
  });

  it('answers a bundle: every document under a prefix at one version, as a cluster runs them', async () => {
    const res = await fetch(`${h.url}/v1/bundle/shop?env=prod&cluster=eu-1`, { headers: { authorization: `Bearer ${VIEWER.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe(`"${v[1]}"`);
    // Overlays and Cairn's own files are not documents of the bundle.
    expect(await res.json()).toEqual({
      namespace: 'shop',
      version: v[1],
      cluster: 'eu-1',
      documents: { 'app.yaml': { replicas: 1, region: 'eu' }, 'flags/ui.yaml': { checkout: false } },
    });
    const head = await fetch(`${h.url}/v1/bundle/shop?prefix=other`, { headers: { authorization: `Bearer ${VIEWER.token}` } });
    expect(((await head.json()) as { documents: Record<string, unknown> }).documents).toEqual({ 'other.json': { x: 1 } });
    const again = await fetch(`${h.url}/v1/bundle/shop?env=prod&cluster=eu-1`, {
      headers: { authorization: `Bearer ${VIEWER.token}`, 'if-none-match': `"${v[1]}"` },
    });
    expect(again.status).toBe(304);
    const bad = await fetch(`${h.url}/v1/bundle/shop?cluster=Not_A_Cluster`, { headers: { authorization: `Bearer ${VIEWER.token}` } });
    expect(bad.status).toBe(400);
  });

  it("answers a bundle's documents as text (format=text: a base without overlay as stored, comments kept), an instance's to an agent token", async () => {
    const bundle = async (query: string, token = VIEWER.token, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${h.url}/v1/bundle/shop?${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    const text = (await (await bundle('env=prod&cluster=eu-1&format=text')).json()) as { documents: Record<string, string> };
    expect(text.documents).toEqual({ 'app.yaml': 'replicas: 1\nregion: eu\n', 'flags/ui.yaml': '# the checkout flag\ncheckout: false\n' });
    // An agent reads what its instance runs (labels included), not the namespace at large.
    const instance = await bundle('env=prod&instance=web-1&cluster=eu-1&label=zone=eu-1a&prefix=flags/', AGENT.token);
    expect(instance.status).toBe(200);
    expect(await instance.json()).toEqual({ namespace: 'shop', version: v[1], cluster: 'eu-1', documents: { 'flags/ui.yaml': { checkout: false } } });
    expect((await bundle('prefix=flags/', AGENT.token)).status).toBe(403);
    expect((await bundle('env=prod&instance=web-1&cluster=eu-1&at=HEAD', AGENT.token)).status).toBe(400);
  });

  it('long-polls a bundle until the version asked for moves (a commit of main, a release), 304 when the wait ends', async () => {
    const bundle = (query: string, etag: string): Promise<Response> =>
      fetch(`${h.url}/v1/bundle/shop?${query}`, { headers: { authorization: `Bearer ${VIEWER.token}`, 'if-none-match': etag } });
    const released = `"${v[1]}"`;
    expect((await bundle('env=prod&wait=200ms', released)).status).toBe(304);
    const held = bundle('env=prod&cluster=us-1&wait=10s', released);
    // A commit of main moves main's head, not what prod released: the poll goes on.
    const head = ((await (await fetch(`${h.url}/v1/bundle/shop`, { headers: { authorization: `Bearer ${VIEWER.token}` } })).json()) as { version: string })
      .version;
    const put = await gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: 'flags/ui.yaml', text: 'checkout: true\n', expectedVersion: head } },
      EDITOR.token,
    );
    const mainPoll = await bundle('wait=10s', `"${head}"`);
    expect(mainPoll.headers.get('etag')).toBe(`"${put.putConfig.version!.hash}"`);
    const current = await gql<{ environment: { data: { release: { hash: string } } } }>(
      `query { environment(namespace: "shop", name: "prod") { ... on EnvironmentSuccess { data { release { hash } } } } }`,
      {},
      VIEWER.token,
    );
    const releasing = await gql<{ release: WriteResult }>(
      RELEASE,
      { input: { namespace: 'shop', environment: 'prod', version: put.putConfig.version!.hash, expectedRelease: current.environment.data.release.hash } },
      EDITOR.token,
    );
    expect(releasing.release.status).toBe('COMMITTED');
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { version: string; documents: Record<string, unknown> }).documents['flags/ui.yaml']).toEqual({ checkout: true });
  });

  it('describes itself at /v1/openapi.json (no token needed) and answers CORS for the allowed origins only', async () => {
    const spec = await fetch(`${h.url}/v1/openapi.json`);
    expect(spec.status).toBe(200);
    const document = (await spec.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/v1/audit/{namespace}',
      '/v1/backup',
      '/v1/backup/{repository}',
      '/v1/bundle/{namespace}',
      '/v1/config/{namespace}/{path}',
      '/v1/environments/{namespace}/{environment}/desired',
      '/v1/environments/{namespace}/{environment}/reports',
    ]);
    const preflight = await fetch(`${h.url}/v1/bundle/shop`, {
      method: 'OPTIONS',
      headers: { origin: FRONTEND, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(FRONTEND);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const read = await fetch(`${h.url}/v1/bundle/shop`, { headers: { origin: FRONTEND, authorization: `Bearer ${VIEWER.token}` } });
    expect(read.headers.get('access-control-allow-origin')).toBe(FRONTEND);
    expect(read.headers.get('access-control-expose-headers')).toContain('ETag');
    const elsewhere = await fetch(`${h.url}/v1/bundle/shop`, { headers: { origin: 'http://evil.example', authorization: `Bearer ${VIEWER.token}` } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers failures as JSON with their HTTP status', async () => {
    const error = failureOf;
    expect(await error(await get('shop/app.yaml', null))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await error(await get('shop/app.yaml', OUTSIDER.token))).toEqual([403, 'FORBIDDEN']);
    expect(await error(await get('shop/missing.yaml'))).toEqual([404, 'NOT_FOUND']);
    expect(await error(await get('nowhere/app.yaml'))).toEqual([404, 'NOT_FOUND']);
    expect(await error(await get('shop/app.yaml?at=0123456789abcdef'))).toEqual([404, 'INVALID_REF']);
    expect(await error(await get('shop/app.yaml?env=qa'))).toEqual([404, 'NOT_FOUND']);
    expect(await error(await get('shop/app.yaml?format=toml'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await get('shop/app.yaml?at=HEAD&env=prod'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await get('shop'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await get('shop/%E0.yaml'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await fetch(`${h.url}/v1/bundle/%E0`, { headers: { authorization: `Bearer ${VIEWER.token}` } }))).toEqual([400, 'INVALID_INPUT']);
    const post = await fetch(`${h.url}/v1/config/shop/app.yaml`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});
