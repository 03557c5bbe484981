import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { ADMIN } from '../support/tokens.js';

/**
 * Service tokens through GraphQL (yoga.fetch against a real server and data directory): who may create, list and
 * revoke them, what the system repository keeps (a commit per change with the admin as author, the digest and
 * never the secret), and that the tokens authenticate, expire and stop on revocation.
 */
const TEAM_ADMIN: TestToken = { token: 'team-admin-token', name: 'Tia Team', email: 'tia@example.com', roles: { 'team-*': 'admin', 'team-secret': 'viewer' } };
const EDITOR: TestToken = { token: 'just-editor-token', name: 'Ed Editor', email: 'ed@example.com', roles: { '*': 'editor' } };

const ERRORS = `... on Error { __typename message code } ... on Forbidden { namespace requiredRole } ... on NotFound { kind key }`;
const TOKEN_FIELDS = `id name email grants { pattern role } environments createdAt createdBy { name email } expiresAt expired revoked revokedAt revokedBy { email }`;
const CREATE = `mutation($input: CreateServiceTokenInput!) { createServiceToken(input: $input) { __typename
  ... on ServiceTokenSecretPayload { secret token { ${TOKEN_FIELDS} } } ${ERRORS} } }`;
const REVOKE = `mutation($input: RevokeServiceTokenInput!) { revokeServiceToken(input: $input) { __typename ... on ServiceToken { ${TOKEN_FIELDS} } ${ERRORS} } }`;
const LIST = `{ serviceTokens { __typename ... on ServiceTokensSuccess { data { ${TOKEN_FIELDS} } } ${ERRORS} } }`;
const VIEWER = `{ viewer { name email grants { pattern role } } }`;

interface TokenView {
  id: string;
  name: string;
  email: string;
  grants: { pattern: string; role: string }[];
  environments: string[] | null;
  createdBy: { name: string; email: string };
  expiresAt: string | null;
  expired: boolean;
  revoked: boolean;
  revokedBy: { email: string } | null;
}
interface Created {
  __typename: string;
  secret?: string;
  token?: TokenView;
  code?: string;
  message?: string;
}

describe('service tokens managed in the API', () => {
  let h: Harness;
  const systemGit = (...args: string[]): string => execFileSync('git', ['--git-dir', path.join(h.dataDir, '.cairn.git'), ...args], { encoding: 'utf8' });
  const systemHead = (): string => {
    try {
      return systemGit('rev-parse', 'HEAD').trim();
    } catch {
      return 'none';
    }
  };
  const create = async (input: Record<string, unknown>, as: string = ADMIN.token): Promise<Created> =>
    (await h.gql<{ createServiceToken: Created }>(CREATE, { input }, as)).data.createServiceToken;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, TEAM_ADMIN, EDITOR] });
  });
  afterAll(() => h.close());

  it('creates a token whose secret is shown once, authenticates as its identity and grants, and is a commit by the admin', async () => {
    const created = await create({
      name: 'deploy bot',
      email: 'deploy@example.com',
      grants: [
        { pattern: 'shop', role: 'EDITOR' },
        { pattern: 'team-*', role: 'VIEWER' },
      ],
      comment: 'for the deploy pipeline',
    });
    expect(created.__typename).toBe('ServiceTokenSecretPayload');
    expect(created.secret).toMatch(/^cairn_[A-Za-z0-9_-]{43}$/);
    expect(created.token).toMatchObject({
      name: 'deploy bot',
      email: 'deploy@example.com',
      createdBy: { name: ADMIN.name, email: ADMIN.email },
      expiresAt: null,
      revoked: false,
    });
    const me = await h.gql<{ viewer: { email: string; grants: unknown[] } }>(VIEWER, {}, created.secret);
    expect(me.data.viewer.email).toBe('deploy@example.com');
    expect(me.data.viewer.grants).toEqual([
      { pattern: 'shop', role: 'EDITOR' },
      { pattern: 'team-*', role: 'VIEWER' },
    ]);
    const log = systemGit('log', '-1', '--format=%an <%ae>%n%B');
    expect(log).toContain(`${ADMIN.name} <${ADMIN.email}>`);
    expect(log).toContain('for the deploy pipeline');
    expect(systemGit('show', '--name-only', '--format=', 'HEAD').trim()).toBe(`service-tokens/${created.token?.id}.json`);
    execFileSync('git', ['--git-dir', path.join(h.dataDir, '.cairn.git'), 'fsck', '--strict'], { stdio: 'pipe' });
  });

  it('stores the SHA-256 of the secret, never the secret, anywhere in the system repository', async () => {
    const created = await create({ name: 'scanner', grants: [{ pattern: '*', role: 'VIEWER' }] });
    const secret = created.secret ?? '';
    const everything = systemGit('log', '-p', '--all');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret.slice('cairn_'.length));
    const digest = (await import('node:crypto')).createHash('sha256').update(secret).digest('hex');
    expect(everything).toContain(digest);
    expect(() => systemGit('grep', '-F', secret.slice(6), 'HEAD')).toThrow();
  });

  it('lists tokens without secrets or digests, and revocation refuses the token at once (a commit by the admin)', async () => {
    const created = await create({ name: 'short lived', grants: [{ pattern: 'shop', role: 'AGENT' }], environments: ['prod'] });
    const id = created.token?.id ?? '';
    expect(created.token?.environments).toEqual(['prod']);
    const listed = await h.gql<{ serviceTokens: { data: TokenView[] } }>(LIST, {});
    const entry = listed.data.serviceTokens.data.find((t) => t.id === id);
    expect(entry).toMatchObject({ name: 'short lived', grants: [{ pattern: 'shop', role: 'AGENT' }], environments: ['prod'], revoked: false });
    expect(JSON.stringify(listed)).not.toMatch(/sha256|cairn_/);
    expect((await h.gql(VIEWER, {}, created.secret)).status).toBe(200);

    const revoked = await h.gql<{ revokeServiceToken: TokenView & { __typename: string } }>(REVOKE, { input: { id, comment: 'leaked' } });
    expect(revoked.data.revokeServiceToken).toMatchObject({ __typename: 'ServiceToken', revoked: true, revokedBy: { email: ADMIN.email } });
    const refused = await h.gql(VIEWER, {}, created.secret);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toMatch(/revoked/);
    expect(systemGit('log', '-1', '--format=%an%n%B')).toMatch(new RegExp(`^${ADMIN.name}\\nleaked`));
    const after = await h.gql<{ serviceTokens: { data: TokenView[] } }>(LIST, {});
    expect(after.data.serviceTokens.data.find((t) => t.id === id)?.revoked).toBe(true);
  });

  it('refuses an expired token', async () => {
    const created = await create({ name: 'brief', grants: [{ pattern: 'shop', role: 'VIEWER' }], expiresAt: new Date(Date.now() + 1_000).toISOString() });
    expect(created.token?.expiresAt).not.toBeNull();
    expect((await h.gql(VIEWER, {}, created.secret)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    const refused = await h.gql(VIEWER, {}, created.secret);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toMatch(/expired/);
    expect((await h.gql<{ serviceTokens: { data: TokenView[] } }>(LIST, {})).data.serviceTokens.data.find((t) => t.id === created.token?.id)?.expired).toBe(
      true,
    );
  });

  it("refuses non-admins with FORBIDDEN, and grants beyond the creator's admin reach", async () => {
    const before = systemHead();
    const byEditor = await create({ name: 'sneaky', grants: [{ pattern: 'shop', role: 'VIEWER' }] }, EDITOR.token);
    expect(byEditor).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN' });
    const listed = await h.gql<{ serviceTokens: Created }>(LIST, {}, EDITOR.token);
    expect(listed.data.serviceTokens).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN' });
    // Admin of team-* but only viewer of team-secret: neither `team-*` nor `*` may be granted, `team-a` may.
    for (const pattern of ['team-*', '*', 'shop', 'team-secret']) {
      const refused = await create({ name: 'too strong', grants: [{ pattern, role: 'VIEWER' }] }, TEAM_ADMIN.token);
      expect(refused, pattern).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN' });
    }
    expect(systemHead()).toBe(before);
    const ok = await create({ name: 'team a bot', grants: [{ pattern: 'team-a', role: 'ADMIN' }] }, TEAM_ADMIN.token);
    expect(ok.__typename).toBe('ServiceTokenSecretPayload');
    // The team admin sees only the tokens within their reach, and cannot revoke the others (as if absent).
    const theirs = await h.gql<{ serviceTokens: { data: TokenView[] } }>(LIST, {}, TEAM_ADMIN.token);
    expect(theirs.data.serviceTokens.data.map((t) => t.name)).toEqual(['team a bot']);
    const all = await h.gql<{ serviceTokens: { data: TokenView[] } }>(LIST, {});
    const other = all.data.serviceTokens.data.find((t) => t.name === 'deploy bot');
    const notTheirs = await h.gql<{ revokeServiceToken: Created }>(REVOKE, { input: { id: other?.id } }, TEAM_ADMIN.token);
    expect(notTheirs.data.revokeServiceToken).toMatchObject({ __typename: 'NotFound', code: 'NOT_FOUND' });
  });

  it('ends a live SSE subscription when its token is revoked; a WebSocket one closes with 4403', async () => {
    const sse = await create({ name: 'sse reader', grants: [{ pattern: '*', role: 'VIEWER' }] });
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${sse.secret}` },
      body: JSON.stringify({ query: 'subscription { changes { version } }' }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // A destroyed response reads as an error: ended all the same.
      }
      return 'ended';
    })();
    const ws = await create({ name: 'ws reader', grants: [{ pattern: '*', role: 'VIEWER' }] });
    const client = h.ws(ws.secret);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.on('closed', (event) => resolve(event as { code: number; reason: string })),
    );
    const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    client.subscribe({ query: 'subscription { changes { version } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    await connected;
    await new Promise((r) => setTimeout(r, 50));
    expect(await Promise.race([ended, new Promise((r) => setTimeout(() => r('open'), 100))])).toBe('open');

    await h.gql(REVOKE, { input: { id: sse.token?.id } });
    expect(await ended).toBe('ended');
    await h.gql(REVOKE, { input: { id: ws.token?.id } });
    expect(await closed).toMatchObject({ code: 4403, reason: 'token revoked' });
  });

  it('refuses bad input with INVALID_INPUT and commits nothing', async () => {
    const before = systemHead();
    const bad: Record<string, unknown>[] = [
      { name: 'no grants', grants: [] },
      { name: 'bad pattern', grants: [{ pattern: '../x', role: 'VIEWER' }] },
      {
        name: 'twice',
        grants: [
          { pattern: 'a', role: 'VIEWER' },
          { pattern: 'a', role: 'ADMIN' },
        ],
      },
      { name: 'Eve <eve@x>', grants: [{ pattern: 'a', role: 'VIEWER' }] },
      { name: ' ', grants: [{ pattern: 'a', role: 'VIEWER' }] },
      { name: 'past', grants: [{ pattern: 'a', role: 'VIEWER' }], expiresAt: '2000-01-01T00:00:00Z' },
      { name: 'bad env', grants: [{ pattern: 'a', role: 'AGENT' }], environments: ['Prod!'] },
      { name: 'line\nbreak', grants: [{ pattern: 'a', role: 'VIEWER' }] },
    ];
    for (const input of bad) expect(await create(input), JSON.stringify(input)).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT' });
    const unknown = await h.gql<{ revokeServiceToken: Created }>(REVOKE, { input: { id: 'tok_000000000000000000000000' } });
    expect(unknown.data.revokeServiceToken).toMatchObject({ __typename: 'NotFound', code: 'NOT_FOUND' });
    const malformed = await h.gql<{ revokeServiceToken: Created }>(REVOKE, { input: { id: 'nope' } });
    expect(malformed.data.revokeServiceToken).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT' });
    expect(systemHead()).toBe(before);
  });
});
