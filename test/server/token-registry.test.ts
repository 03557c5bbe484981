import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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
