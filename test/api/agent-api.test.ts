import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { DESIRED_STATE } from '../support/rollout-operations.js';
import { ADMIN, EDITOR, type TestToken } from '../support/tokens.js';
import { failureOf } from '../support/http-failure.js';

/** The agents' HTTP read API, over a real socket: the desired version without GraphQL, with the same tokens and scopes. */

const AGENT: TestToken = { token: 'ag-api-agent', name: 'Api Agent', email: 'agent@example.com', roles: { shop: 'agent' }, environments: ['prod'] };
const STRANGER: TestToken = { token: 'st-stranger', name: 'Stranger', email: 'stranger@example.com', roles: { other: 'agent' } };

describe('GET /v1/environments/<ns>/<env>/desired', () => {
  let h: Harness;
  const v: string[] = [];

  const get = (path: string, token: string | null = AGENT.token, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${h.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const desired = (query: string, token?: string | null, headers?: Record<string, string>): Promise<Response> =>
    get(`/v1/environments/shop/prod/desired?${query}`, token, headers);
  const gql = async <T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> => {
    const res = await h.gql<T>(query, variables, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, AGENT, STRANGER] });
    await gql(CREATE_NAMESPACE, { name: 'shop' }, ADMIN.token);
    for (let i = 0; i < 2; i += 1) {
      const put: { putConfig: WriteResult } = await gql(
        PUT_CONFIG,
        { input: { namespace: 'shop', path: 'app.json', content: { replicas: i }, expectedVersion: v.at(-1) ?? null } },
        EDITOR.token,
      );
      v.push(put.putConfig.version!.hash);
    }
    await gql(DEFINE_ENVIRONMENT, { input: { namespace: 'shop', name: 'prod', clusters: ['eu-1'], expectedVersion: v.at(-1) } }, ADMIN.token);
    const first = await gql<{ release: WriteResult }>(
      RELEASE,
      { input: { namespace: 'shop', environment: 'prod', version: v[0], expectedRelease: null } },
      EDITOR.token,
    );
    // Half the instances take v[1] in the rollout's first step.
    const strategy = { steps: [50, 100], bakeSeconds: 3600 };
    const second = await gql<{ release: WriteResult }>(
      RELEASE,
      { input: { namespace: 'shop', environment: 'prod', version: v[1], expectedRelease: first.release.version!.hash, strategy } },
      EDITOR.token,
    );
    expect(second.release.status).toBe('COMMITTED');
  });

  afterAll(() => h?.close());

  it("answers each instance what GraphQL's desiredState answers, with the version as ETag; If-None-Match is 304", async () => {
    const seen = new Set<string | null>();
    for (let i = 0; i < 20; i += 1) {
      const res = await desired(`instance=web-${i}&cluster=eu-1&label=zone%3Deu-1a`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { namespace: string; environment: string; cluster: string; instance: string; version: string };
      const graphql = await gql<{ desiredState: { data: { version: { hash: string } } } }>(
        DESIRED_STATE,
        { input: { namespace: 'shop', environment: 'prod', id: `web-${i}`, cluster: 'eu-1', labels: [{ name: 'zone', value: 'eu-1a' }] } },
        AGENT.token,
      );
      expect(body).toEqual({ namespace: 'shop', environment: 'prod', cluster: 'eu-1', instance: `web-${i}`, version: graphql.desiredState.data.version.hash });
      expect(res.headers.get('etag')).toBe(`"${body.version}"`);
      seen.add(body.version);
      const again = await desired(`instance=web-${i}&cluster=eu-1&label=zone%3Deu-1a`, AGENT.token, { 'if-none-match': `"${body.version}"` });
      expect(again.status).toBe(304);
    }
    // The rollout's first step: some instances on the new version, the others on the previous one.
    expect(seen).toEqual(new Set([v[0], v[1]]));
  });

  it('takes reports (POST …/reports) as reportInstance does, answering what the instance should run', async () => {
    const report = (body: unknown, token: string = AGENT.token): Promise<Response> =>
      fetch(`${h.url}/v1/environments/shop/prod/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const res = await report({
      instance: 'web-7',
      cluster: 'eu-1',
      labels: { zone: 'eu-1a' },
      version: v[0],
      status: 'FAILED',
      message: 'health check failed',
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { instance: string; desiredVersion: string; appliedVersion: string; status: string };
    expect(answer).toMatchObject({ instance: 'web-7', appliedVersion: v[0], status: 'FAILED' });
    const state = await gql<{ environment: { data: { instances: { id: string; status: string; desiredVersion: string }[] } } }>(
      `query { environment(namespace: "shop", name: "prod") { ... on EnvironmentSuccess { data { instances { id status desiredVersion } } } } }`,
      {},
      EDITOR.token,
    );
    expect(state.environment.data.instances).toContainEqual({ id: 'web-7', status: 'FAILED', desiredVersion: answer.desiredVersion });
    const error = async (r: Response): Promise<[number, string]> => [r.status, ((await r.json()) as { error: { code: string } }).error.code];
    expect(await error(await report('{not json'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await report({ instance: 'web-7', cluster: 'eu-1', version: 'f'.repeat(40), status: 'APPLIED' }))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await report({ instance: 'web-7', cluster: 'eu-1', version: v[0], status: 'BROKEN' }))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await report({ instance: 'web-7', cluster: 'eu-1', message: 'x'.repeat(20_000) }))).toEqual([400, 'INVALID_INPUT']);
    expect((await get('/v1/environments/shop/prod/reports')).status).toBe(405);
  });

  it('answers typed failures with their HTTP status', async () => {
    const error = failureOf;
    expect(await error(await desired('instance=web-1&cluster=eu-1', null))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await error(await desired('instance=web-1&cluster=eu-1', 'no-such-token'))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await error(await desired('instance=web-1&cluster=eu-1', STRANGER.token))).toEqual([403, 'FORBIDDEN']);
    expect(await error(await desired('instance=web-1&cluster=us-9'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await desired('cluster=eu-1'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await get('/v1/environments/shop/qa/desired?instance=web-1&cluster=eu-1'))).toEqual([403, 'FORBIDDEN']);
    expect(await error(await get('/v1/environments/shop/prod/undesired'))).toEqual([404, 'NOT_FOUND']);
    // Malformed percent-encoding is the client's error (it once rejected the handler's promise: an unhandled rejection).
    expect(await error(await get('/v1/environments/%E0/prod/desired?instance=web-1&cluster=eu-1'))).toEqual([400, 'INVALID_INPUT']);
    const post = await fetch(`${h.url}/v1/environments/shop/prod/desired?instance=web-1&cluster=eu-1`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    // An editor's token reads it too (for an environment it has no agent scope on).
    expect((await desired('instance=web-1&cluster=eu-1', EDITOR.token)).status).toBe(200);
  });
});
