import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ServiceToken } from '../../src/domain/service-token.js';
import { TokenRegistry } from '../../src/server/token-registry.js';

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

describe('the tokens file', () => {
  const registry = TokenRegistry.parse(`
tokens:
  - name: Hashed Hannah
    email: hannah@example.com
    sha256: ${digest('hannah-secret-token')}
    roles: { payments: editor, "*": viewer }
  - name: Plain Pete
    email: pete@example.com
    token: pete-plain-token
    roles: { "team-*": admin }
  - name: Gone Greta
    email: greta@example.com
    token: greta-revoked-token
    revoked: true
`);

  it('accepts tokens stored as SHA-256 digests and as plain text, with their identity and grants', () => {
    const hannah = registry.authenticate('Bearer hannah-secret-token');
    expect(hannah).toEqual({
      ok: true,
      operator: {
        name: 'Hashed Hannah',
        email: 'hannah@example.com',
        grants: new Map([
          ['payments', 'editor'],
          ['*', 'viewer'],
        ]),
      },
    });
    const pete = registry.authenticate('Bearer pete-plain-token');
    expect(pete.ok && pete.operator.grants).toEqual(new Map([['team-*', 'admin']]));
  });

  it('refuses missing, malformed, unknown and revoked tokens with the reason', () => {
    expect(registry.authenticate(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(registry.authenticate('Basic abc')).toEqual({ ok: false, reason: 'malformed' });
    expect(registry.authenticate('Bearer short')).toEqual({ ok: false, reason: 'malformed' });
    expect(registry.authenticate(`Bearer ${digest('hannah-secret-token')}`)).toEqual({ ok: false, reason: 'unknown' });
    expect(registry.authenticate('Bearer hannah-secret-tokeN')).toEqual({ ok: false, reason: 'unknown' });
    expect(registry.authenticate('Bearer greta-revoked-token')).toEqual({ ok: false, reason: 'revoked' });
  });

  it('refuses a tokens file with identities that would corrupt a commit header, bad roles or short tokens', () => {
    expect(() => TokenRegistry.parse('tokens:\n  - { name: "Eve <x>", email: e@x, token: long-enough-token }')).toThrow(/name/);
    expect(() => TokenRegistry.parse('tokens:\n  - { name: Eve, email: e@x, token: long-enough-token, roles: { a: owner } }')).toThrow(/role/);
    expect(() => TokenRegistry.parse('tokens:\n  - { name: Eve, email: e@x, token: short }')).toThrow(/token/);
    expect(() => TokenRegistry.parse('users: []')).toThrow(/tokens/);
    expect(() => TokenRegistry.parse('tokens:\n  - { name: Eve, email: e@x, token: long-enough-token, environments: prod }')).toThrow(/environments/);
  });

  it("reads an agent's token kept to some environments", () => {
    const agents = TokenRegistry.parse('tokens:\n  - { name: Pod, email: pod@x, token: pod-agent-token, roles: { shop: agent }, environments: [prod] }');
    const pod = agents.authenticate('Bearer pod-agent-token');
    expect(pod.ok && pod.operator).toEqual({ name: 'Pod', email: 'pod@x', grants: new Map([['shop', 'agent']]), environments: ['prod'] });
  });
});

describe('the tokens file with service tokens', () => {
  const record = (secret: string, extra: Partial<ServiceToken> = {}): ServiceToken => ({
    id: 'tok_0123456789abcdef01234567',
    name: 'Bot',
    email: 'bot@example.com',
    roles: { shop: 'editor' },
    environments: null,
    sha256: digest(secret),
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: { name: 'Ada', email: 'ada@example.com' },
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
    ...extra,
  });

  it('adds service tokens, refuses revoked and expired ones with the reason, and says when the next one expires', () => {
    const file = TokenRegistry.parse('tokens:\n  - { name: Ada, email: ada@x, token: ada-file-token, roles: { "*": admin } }');
    const now = Date.parse('2026-06-01T00:00:00Z');
    const registry = file.withServiceTokens([
      record('bot-api-secret'),
      record('old-api-secret', { revokedAt: '2026-02-01T00:00:00Z' }),
      record('late-api-secret', { expiresAt: '2026-05-01T00:00:00Z' }),
      record('soon-api-secret', { expiresAt: '2026-06-02T00:00:00Z' }),
    ]);
    expect(registry.authenticate('Bearer ada-file-token', now).ok).toBe(true);
    const bot = registry.authenticate('Bearer bot-api-secret', now);
    expect(bot.ok && bot.operator).toEqual({ name: 'Bot', email: 'bot@example.com', grants: new Map([['shop', 'editor']]) });
    expect(registry.authenticate('Bearer old-api-secret', now)).toEqual({ ok: false, reason: 'revoked' });
    expect(registry.authenticate('Bearer late-api-secret', now)).toEqual({ ok: false, reason: 'expired' });
    expect(registry.authenticate('Bearer soon-api-secret', now).ok).toBe(true);
    expect(registry.nextExpiry(now)).toBe(Date.parse('2026-06-02T00:00:00Z'));
  });

  it('lets the file win when a digest is in both: listed revoked there, the API token is refused', () => {
    const file = TokenRegistry.parse(`tokens:\n  - { name: Blocked, email: b@x, sha256: ${digest('bot-api-secret')}, revoked: true }`);
    expect(file.withServiceTokens([record('bot-api-secret')]).authenticate('Bearer bot-api-secret')).toEqual({ ok: false, reason: 'revoked' });
  });

  it('enforces an expiresAt given in the file', () => {
    const file = TokenRegistry.parse('tokens:\n  - { name: Tmp, email: t@x, token: temporary-token, expiresAt: "2026-01-01T00:00:00Z" }');
    expect(file.authenticate('Bearer temporary-token', Date.parse('2025-12-31T00:00:00Z')).ok).toBe(true);
    expect(file.authenticate('Bearer temporary-token', Date.parse('2026-01-01T00:00:00Z'))).toEqual({ ok: false, reason: 'expired' });
    expect(() => TokenRegistry.parse('tokens:\n  - { name: Tmp, email: t@x, token: temporary-token, expiresAt: soon }')).toThrow(/expiresAt/);
  });

  it('never quotes the file in a YAML error: the line may hold a token', () => {
    let message = '';
    try {
      TokenRegistry.parse('tokens:\n  - { name: Ada, token: "super-secret-value\n  bad: [');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not valid YAML/);
    expect(message).not.toContain('super-secret-value');
  });
});
