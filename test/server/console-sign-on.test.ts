import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { ADMIN } from '../support/tokens.js';

/** What the console learns of single sign-on (/sign-on.json), and the one foreign origin its CSP then lets it reach. */
describe('console single sign-on settings', () => {
  let root: string;
  let dir: string;
  const servers: Harness[] = [];

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-sign-on-'));
    dir = path.join(root, 'console');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
  });

  afterAll(async () => {
    for (const h of servers) await h.close();
    rmSync(root, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>): Promise<Harness> => {
    const h = await startHarness({ tokens: [ADMIN], env: { CAIRN_CONSOLE_DIR: dir, ...env } });
    servers.push(h);
    return h;
  };

  it('are null without a console client, and the CSP names no provider', async () => {
    const h = await start({ CAIRN_OIDC_ISSUER: 'https://id.example.com/realms/main', CAIRN_OIDC_AUDIENCE: 'cairn' });
    const res = await fetch(`${h.url}/sign-on.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toBeNull();
    expect((await fetch(`${h.url}/`)).headers.get('content-security-policy')).not.toContain('id.example.com');
  });

  it("name the issuer, the console's client and its scopes; the console's CSP lets it reach the issuer's origin only", async () => {
    const h = await start({
      CAIRN_OIDC_ISSUER: 'https://id.example.com/realms/main',
      CAIRN_OIDC_AUDIENCE: 'cairn-console',
      CAIRN_OIDC_CONSOLE_CLIENT_ID: 'cairn-console',
    });
    expect(await (await fetch(`${h.url}/sign-on.json`)).json()).toEqual({
      issuer: 'https://id.example.com/realms/main',
      clientId: 'cairn-console',
      scopes: 'openid profile email',
    });
    const csp = (await fetch(`${h.url}/`)).headers.get('content-security-policy') ?? '';
    const host = new URL(h.url).host;
    expect(csp).toContain(`connect-src 'self' ws://${host} wss://${host} https://id.example.com;`);
    expect(csp).toContain("form-action 'none'");
  });
});
