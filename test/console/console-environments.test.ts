import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtConsole, launchBrowser, signIn } from '../support/browser.js';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { REPORT_INSTANCE } from '../support/rollout-operations.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const AGENT: TestToken = { token: 'agent-token', name: 'Agent', email: 'agent@example.com', roles: { shop: 'agent' } };

/**
 * The Environments page in headless Chromium against a real Cairn: an editor previews and makes a release with a
 * rollout, watches its progress move as the server bakes its steps and instances report, and aborts it.
 */
describe('web console: environments', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const v: string[] = [];
  let now = Date.parse('2026-12-03T10:00:00Z');

  const gql = async <T>(query: string, variables: Record<string, unknown>, token = ALICE.token): Promise<T> => {
    const res = await h.gql<T>(query, variables, token);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };
  const report = (id: string, version: string) =>
    gql(REPORT_INSTANCE, { input: { namespace: 'shop', environment: 'prod', id, cluster: 'eu-1', version, status: 'APPLIED' } }, AGENT.token);
  const card = () => page.getByTestId('environment-prod');
  /** The page asks again a second after each answer, and the server's rollout loop runs beside the suite: room for both. */
  const WAIT = { timeout: 10_000 };

  beforeAll(async () => {
    h = await startHarness({
      tokens: [ALICE, AGENT],
      clock: () => new Date(now),
      env: { CAIRN_CONSOLE_DIR: builtConsole(), CAIRN_ROLLOUT_INTERVAL_MS: '50' },
    });
    await gql(CREATE_NAMESPACE, { name: 'shop' });
    for (let i = 1; i <= 2; i += 1) {
      const res = await gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
        input: { namespace: 'shop', path: 'app.json', content: { replicas: i }, expectedVersion: v.at(-1) ?? null },
      });
      v.push(res.putConfig.version!.hash);
    }
    await gql(DEFINE_ENVIRONMENT, { input: { namespace: 'shop', name: 'prod', expectedVersion: v[1] } });
    await gql(RELEASE, { input: { namespace: 'shop', environment: 'prod', version: v[0] } });
    for (let i = 0; i < 4; i += 1) await report(`web-${i}`, v[0]!);

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await signIn(page, h.url, ALICE.token);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows what each environment runs and its instances', async () => {
    await page.getByRole('link', { name: 'Environments' }).click();
    await expect.poll(() => card().getByTestId('release').textContent(), WAIT).toContain(`Runs ${v[0]!.slice(0, 12)}`);
    await expect.poll(() => card().getByTestId('converged').textContent(), WAIT).toContain('4 of 4 instances converged');
    expect(await card().locator('tr[data-instance]').count()).toBe(4);
  });

  it('previews a release with a rollout, makes it, watches its steps move, and aborts it', async () => {
    const form = card().getByRole('form', { name: 'Release to prod' });
    const before = h.git('shop', 'rev-parse', 'environments/prod').trim();
    await form.getByLabel('Version', { exact: true }).fill(v[1]!);
    await form.getByLabel('Steps (%)').fill('50,100');
    await form.getByLabel('Bake (s)').fill('60');
    await form.getByRole('button', { name: 'Preview' }).click();
    const preview = form.getByTestId('release-preview');
    await expect.poll(() => preview.locator('.file-diff').getAttribute('data-path'), WAIT).toBe('app.json');
    // A preview commits nothing.
    expect(h.git('shop', 'rev-parse', 'environments/prod').trim()).toBe(before);
    await preview.getByRole('button', { name: 'Release' }).click();
    await expect.poll(() => form.getByTestId('release-outcome').getAttribute('data-outcome'), WAIT).toBe('WritePayload');

    const rollout = card().getByTestId('rollout');
    await expect.poll(() => rollout.textContent(), WAIT).toMatch(/step 1\/2 \(50%\), 60 s left/);
    // Time passes on the server's clock: the step bakes, and the page follows without a reload.
    now += 61_000;
    await expect.poll(() => rollout.textContent(), WAIT).toMatch(/step 2\/2 \(100%\)/);
    for (let i = 0; i < 4; i += 1) await report(`web-${i}`, v[1]!);
    await expect.poll(() => rollout.getByTestId('healthy').textContent(), WAIT).toBe('4 healthy');

    await rollout.getByRole('button', { name: 'Abort' }).click();
    await expect.poll(() => card().getByTestId('release').textContent(), WAIT).toContain('rollback');
    expect(await card().getByTestId('rollout').count()).toBe(0);
    expect(h.git('shop', 'log', '-1', '--format=%s %(trailers:key=Cairn-Rollback-To,valueonly)', 'environments/prod').trim()).toBe(`rollout aborted ${v[0]}`);
    expect(errors).toEqual([]);
  });
});
