import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtConsole, launchBrowser, signIn } from '../support/browser.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/** GraphiQL opened from the console's header starts signed in with the console's token (it used to open on a 401). */
describe('GraphiQL from the console', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN], env: { CAIRN_CONSOLE_DIR: builtConsole() }, transport: 'http' });
    await h.gql(CREATE_NAMESPACE, { name: 'payments' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it("opens in a new tab with the console's token in its headers, and its requests are authorized", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, h.url, ADMIN.token);
    const opened = context.waitForEvent('page');
    await page.getByRole('link', { name: 'GraphiQL' }).click();
    const graphiql = await opened;
    const authorized = graphiql.waitForRequest((request: Request) => request.url().endsWith('/graphql') && request.method() === 'POST', { timeout: 30_000 });
    const request = await authorized;
    expect(request.headers().authorization).toBe(`Bearer ${ADMIN.token}`);
    const answer = await request.response();
    expect(answer?.status()).toBe(200);
    await context.close();
  });

  it('opened directly, without the console, it is yoga’s own page and sends no token', async () => {
    const page = await browser.newPage();
    const sent = page.waitForRequest((request: Request) => request.url().endsWith('/graphql') && request.method() === 'POST', { timeout: 30_000 });
    await page.goto(`${h.url}/graphql`);
    expect((await sent).headers().authorization).toBeUndefined();
    await page.close();
  });
});
