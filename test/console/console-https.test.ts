import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtConsole, launchBrowser, signIn } from '../support/browser.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG } from '../support/operations.js';
import { TestCertificateAuthority } from '../support/test-certificates.js';
import { ADMIN } from '../support/tokens.js';

/** The web console served over HTTPS (CAIRN_TLS_CERT): it loads, signs in, reads, and its live feed runs over WSS. */
describe('web console over HTTPS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-console-tls-'));
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    const issued = TestCertificateAuthority.create(dir).issue('server');
    h = await startHarness({
      tokens: [ADMIN],
      env: { CAIRN_CONSOLE_DIR: builtConsole(), CAIRN_TLS_CERT: issued.certFile, CAIRN_TLS_KEY: issued.keyFile },
    });
    await h.gql(CREATE_NAMESPACE, { name: 'shop' });
    await h.gql(PUT_CONFIG, { input: { namespace: 'shop', path: 'api.json', content: { replicas: 2 }, expectedVersion: null } });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads, signs in, shows a document and a change arriving live', async () => {
    expect(h.url).toMatch(/^https:/);
    // Chromium has no way to be given the test's CA: certificate errors are ignored, the page is served over TLS all the same.
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const first = await page.goto(h.url);
    expect(first?.headers()['strict-transport-security']).toBe('max-age=31536000');
    await signIn(page, h.url, ADMIN.token);
    await page.locator('.tree-file[data-path="api.json"]').click();
    await expect.poll(() => page.locator('.code').textContent()).toContain('"replicas": 2');

    await page.locator('.status-live').waitFor();
    const written = await h.gql<{ putConfig: { version: { hash: string } } }>(PUT_CONFIG, {
      input: { namespace: 'shop', path: 'web.json', content: { replicas: 1 }, expectedVersion: null, comment: 'Over TLS' },
    });
    await page.locator(`.feed-item[data-version="${written.data.putConfig.version.hash}"]`).waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
    await context.close();
  });
});
