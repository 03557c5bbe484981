import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CAIRN_AUDIENCE, type TestProvider, startTestProvider } from '../support/oidc-provider.js';
import { type ServerProcess, listeningUrl, startServerProcess } from '../support/server-process.js';

/**
 * Single sign-on in the server as `npm start` runs it (the built bundle, its own process), with no tokens file: the
 * provider's tokens are the only way in, and the process says so in its log, with no token in it.
 */
describe('the server process with single sign-on only', () => {
  let provider: TestProvider;
  let dir: string;
  const started: ServerProcess[] = [];

  beforeAll(async () => {
    provider = await startTestProvider({ clients: ['ops-app'] });
    dir = mkdtempSync(path.join(tmpdir(), 'cairn-sso-proc-'));
  });

  afterAll(async () => {
    for (const server of started) server.child.kill('SIGKILL');
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    CAIRN_DATA_DIR: dir,
    CAIRN_PORT: '0',
    CAIRN_FSYNC: 'false',
    CAIRN_TOKENS_FILE: '',
    CAIRN_OIDC_ISSUER: provider.issuer,
    CAIRN_OIDC_AUDIENCE: CAIRN_AUDIENCE,
    CAIRN_OIDC_ROLES: '{"ops": {"*": "admin"}}',
    ...extra,
  });

  it("authenticates the provider's tokens and records their identity in git; nothing else gets in", async () => {
    const server = startServerProcess(env());
    started.push(server);
    const url = await listeningUrl(server);
    provider.setClaims('ops-app', { name: 'Olga Ops', email: 'olga@example.com', groups: ['ops'] });
    const token = await provider.token('ops-app');
    const gql = async <T>(query: string, variables: object, bearer: string | null): Promise<{ status: number; data?: T }> => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, ...((await res.json()) as { data?: T }) };
    };
    expect((await gql(CREATE_NAMESPACE, { name: 'ops-config' }, token)).status).toBe(200);
    const put = await gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'ops-config', path: 'a.json', content: { a: 1 } } }, token);
    expect(put.data?.putConfig.status).toBe('COMMITTED');
    const log = execFileSync('git', ['--git-dir', path.join(dir, 'ops-config.git'), 'log', '-1', '--format=%an <%ae>'], { encoding: 'utf8' });
    expect(log.trim()).toBe('Olga Ops <olga@example.com>');
    // Without a tokens file and with single sign-on on, there is no development identity.
    expect((await gql(CREATE_NAMESPACE, { name: 'intruder' }, null)).status).toBe(401);
    expect((await gql(CREATE_NAMESPACE, { name: 'intruder' }, 'some-long-opaque-token')).status).toBe(401);
    // Agents have no provider's token: an admin signed in through the provider makes them a service token.
    const created = await gql<{ createServiceToken: { secret?: string } }>(
      `mutation($input: CreateServiceTokenInput!) { createServiceToken(input: $input) { ... on ServiceTokenSecretPayload { secret } } }`,
      { input: { name: 'deploy-bot', grants: [{ pattern: 'ops-config', role: 'EDITOR' }] } },
      token,
    );
    const secret = created.data?.createServiceToken.secret ?? '';
    expect(secret).toMatch(/^cairn_/);
    const byBot = await gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'ops-config', path: 'b.json', content: { b: 1 } } }, secret);
    expect(byBot.data?.putConfig.status).toBe('COMMITTED');
    const botLog = execFileSync('git', ['--git-dir', path.join(dir, 'ops-config.git'), 'log', '-1', '--format=%an'], { encoding: 'utf8' });
    expect(botLog.trim()).toBe('deploy-bot');
    const lines = server.lines.join('\n');
    expect(lines).not.toContain(secret);
    expect(lines).toContain('single sign-on');
    expect(lines).not.toContain('development mode');
    expect(lines).not.toContain(token);
    expect(lines).not.toContain(token.split('.')[2]);
  });

  it('refuses to start on a roles mapping it cannot read, saying which', async () => {
    const server = startServerProcess(env({ CAIRN_OIDC_ROLES: '{"ops": {"*": "owner"}}' }));
    started.push(server);
    expect(await server.exited).toBe(1);
    expect(server.lines.join('\n')).toContain('CAIRN_OIDC_ROLES: ops.*: role must be agent, viewer, editor or admin');
  });
});
