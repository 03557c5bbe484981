import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtConsole, launchBrowser } from '../support/browser.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { type TestProvider, startTestProvider } from '../support/oidc-provider.js';
import { ADMIN } from '../support/tokens.js';

const CONSOLE_CLIENT = 'cairn-console';

/**
 * The console's single sign-on in headless Chromium: the provider's own sign-in and consent pages (oidc-provider's
 * development interactions), back to the console with a code exchanged with PKCE, signed in as the token's
 * identity; when the token expires the server refuses it and the console says the session expired. Token sign-in
 * stays offered.
 */
describe('console single sign-on', () => {
  let provider: TestProvider;
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let clockOffsetMs = 0;
  // The console runs under its CSP, which lets it reach the provider (discovery, token endpoint) and nothing else.
  const violations: string[] = [];

  beforeAll(async () => {
    provider = await startTestProvider({ clients: [] });
    h = await startHarness({
      tokens: [ADMIN],
      clock: () => new Date(Date.now() + clockOffsetMs),
      env: {
        CAIRN_CONSOLE_DIR: builtConsole(),
        CAIRN_OIDC_ISSUER: provider.issuer,
        CAIRN_OIDC_AUDIENCE: CONSOLE_CLIENT,
        CAIRN_OIDC_ROLES: '{"team-a": {"team-a-*": "editor"}}',
        CAIRN_OIDC_CONSOLE_CLIENT_ID: CONSOLE_CLIENT,
        CAIRN_OIDC_CONSOLE_SCOPES: 'openid profile email groups',
      },
    });
    provider.addBrowserClient(CONSOLE_CLIENT, `${h.url}/`);
    provider.setAccount('alice', { name: 'Alice Example', email: 'alice@example.com', groups: ['team-a'] });
    await h.gql(CREATE_NAMESPACE, { name: 'team-a-app' }, ADMIN.token);
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    page.on('pageerror', (error) => violations.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await provider?.close();
  });

  it("signs in at the provider and comes back signed in as the ID token says, with its groups' roles", async () => {
    await page.goto(h.url);
    await expect.poll(() => page.getByLabel('Access token').count()).toBe(1);
    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click(); // consent
    await page.getByLabel('Namespace').waitFor();
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(() => page.getByText('alice@example.com').count()).toBeGreaterThan(0);
    // The one namespace the groups reach (team-a-* as editor) is the one the console opens.
    await expect.poll(() => page.getByLabel('Namespace').inputValue()).toBe('team-a-app');
    expect(await page.evaluate(() => sessionStorage.getItem('cairn.sign-on'))).toBeNull();
    expect(violations).toEqual([]);
  });

  it('says the session expired when the server stops accepting the token', async () => {
    clockOffsetMs = 3 * 3600 * 1000;
    try {
      await page.reload();
      await expect.poll(async () => (await page.getByRole('alert').allTextContents()).join(' ')).toContain('single sign-on session expired');
      await expect.poll(() => page.getByRole('button', { name: 'Sign in with single sign-on' }).count()).toBe(1);
      // Token sign-in is still offered beside it.
      expect(await page.getByLabel('Access token').count()).toBe(1);
      expect(await page.evaluate(() => sessionStorage.getItem('cairn.token'))).toBeNull();
    } finally {
      clockOffsetMs = 0;
    }
  });
});
