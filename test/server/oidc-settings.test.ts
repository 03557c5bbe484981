import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../src/server/settings.js';

const BASE = { CAIRN_OIDC_ISSUER: 'https://id.example.com/realms/main', CAIRN_OIDC_AUDIENCE: 'cairn' };

describe('single sign-on settings', () => {
  it('are off without CAIRN_OIDC_ISSUER', () => {
    expect(readSettings({}).oidc).toBeNull();
    expect(readSettings({ CAIRN_OIDC_AUDIENCE: 'cairn' }).oidc).toBeNull();
  });

  it('have small documented defaults', () => {
    expect(readSettings(BASE).oidc).toEqual({
      issuer: BASE.CAIRN_OIDC_ISSUER,
      audiences: ['cairn'],
      jwksUri: null,
      roles: null,
      claims: { groups: 'groups', name: 'name', email: 'email' },
      clockSkewSeconds: 30,
      jwksTimeoutMs: 5000,
      jwksCooldownMs: 30000,
      maxTokenBytes: 8192,
      console: null,
    });
  });

  it('read the roles inline or from a file resolved against the working directory', () => {
    expect(readSettings({ ...BASE, CAIRN_OIDC_ROLES: 'ops: {"*": admin}' }).oidc?.roles).toEqual({ text: 'ops: {"*": admin}' });
    expect(readSettings({ ...BASE, CAIRN_OIDC_ROLES_FILE: 'roles.yaml' }, '/etc/cairn').oidc?.roles).toEqual({ file: path.join('/etc/cairn', 'roles.yaml') });
  });

  it.each([
    ['no audience', { CAIRN_OIDC_AUDIENCE: '' }, /CAIRN_OIDC_AUDIENCE/],
    ['an issuer that is no URL', { CAIRN_OIDC_ISSUER: 'id.example.com' }, /CAIRN_OIDC_ISSUER must be an http\(s\) URL/],
    ['a JWKS URI that is no http URL', { CAIRN_OIDC_JWKS_URI: 'file:///etc/keys' }, /CAIRN_OIDC_JWKS_URI/],
    ['both ways of giving roles', { CAIRN_OIDC_ROLES: 'a: {}', CAIRN_OIDC_ROLES_FILE: 'r.yaml' }, /one of the two/],
    ['a clock skew of more than five minutes', { CAIRN_OIDC_CLOCK_SKEW_SECONDS: '3600' }, /at most 300/],
    ['a zero timeout', { CAIRN_OIDC_JWKS_TIMEOUT_MS: '0' }, /CAIRN_OIDC_JWKS_TIMEOUT_MS/],
  ])('refuse %s', (_label, env, message) => {
    expect(() => readSettings({ ...BASE, ...env })).toThrow(message);
  });
});
