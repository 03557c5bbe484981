import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { ADMIN } from '../support/tokens.js';
import { until } from '../support/until.js';

/**
 * Service tokens with two replicas sharing a real git http-backend remote and a real redis-server: a token made on
 * one replica is a commit of the system repository, pushed and announced, so the other accepts it within seconds,
 * and refuses it as soon after it is revoked.
 */
const CREATE = `mutation($input: CreateServiceTokenInput!) { createServiceToken(input: $input) { __typename ... on ServiceTokenSecretPayload { secret token { id } } } }`;
const REVOKE = `mutation($id: String!) { revokeServiceToken(input: { id: $id }) { __typename } }`;
const VIEWER = `{ viewer { email } }`;

describe('service tokens across replicas', () => {
  let remote: GitHttpServer;
  let redis: RedisServer;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    [remote, redis] = await Promise.all([startGitHttpServer(), startRedisServer()]);
    const env = { CAIRN_REMOTE_URL: remote.createRepository('config.git'), CAIRN_REDIS_URL: redis.url, CAIRN_REMOTE_POLL_MS: '0' };
    a = await startHarness({ tokens: [ADMIN], env });
    b = await startHarness({ tokens: [ADMIN], env });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([remote?.close(), redis?.stop()]);
  });

  it('a token created on one replica authenticates on the other within seconds, and its revocation refuses it there too', async () => {
    const made = await a.gql<{ createServiceToken: { secret: string; token: { id: string } } }>(CREATE, {
      input: { name: 'fleet bot', email: 'fleet@example.com', grants: [{ pattern: '*', role: 'VIEWER' }] },
    });
    const { secret, token } = made.data.createServiceToken;
    const started = Date.now();
    await until(
      'replica b to accept the token',
      () => b.gql(VIEWER, {}, secret),
      (r) => r.status === 200,
      5_000,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await b.gql<{ viewer: { email: string } }>(VIEWER, {}, secret)).data.viewer.email).toBe('fleet@example.com');

    expect((await a.gql<{ revokeServiceToken: { __typename: string } }>(REVOKE, { id: token.id })).data.revokeServiceToken.__typename).toBe('ServiceToken');
    await until(
      'replica b to refuse the revoked token',
      () => b.gql(VIEWER, {}, secret),
      (r) => r.status === 401,
      5_000,
    );
  });
});
