import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, builtConsole, launchBrowser } from '../support/browser.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const BOB: TestToken = { token: 'bob-token', name: 'Bob Builder', email: 'bob@example.com', roles: { '*': 'editor' } };
const NS = 'shop';
const API = 'services/api.json';

function treePaths(page: Page): Promise<(string | null)[]> {
  return page.locator('.tree-file').evaluateAll((links) => links.map((a) => a.getAttribute('data-path')));
}

/**
 * The web console in headless Chromium against a real Cairn serving the console built from source once per run (build-sources.ts).
 * The tests run in order and share one history:
 *   v1 alice creates api.json and web.yaml, v2 bob scales api.json up, v3 alice adds worker.json, deletes web.yaml
 *   and reshapes api.json (replicas again); then, from the console's point of view: a live change by bob (v4), a
 *   revert of v2 refused for its conflict on replicas, a rollback to v1.
 */
describe('web console', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let consoleDir: string;
  const versions: string[] = [];

  async function write(query: string, input: Record<string, unknown>, token: TestToken): Promise<string> {
    const res = await h.gql<Record<string, WriteResult>>(query, { input: { namespace: NS, ...input } }, token.token);
    const payload = Object.values(res.data ?? {})[0];
    if (payload?.status !== 'COMMITTED' || !payload.version) throw new Error(`write failed: ${JSON.stringify(res)}`);
    return payload.version.hash;
  }

  const open = (hash: string) => page.goto(`${h.url}/#${hash}`);

  beforeAll(async () => {
    consoleDir = builtConsole();
    h = await startHarness({ tokens: [ALICE, BOB], env: { CAIRN_CONSOLE_DIR: consoleDir } });
    await h.gql(CREATE_NAMESPACE, { name: NS });
    versions.push(
      await write(
        APPLY_CHANGES,
        {
          comment: 'Initial services',
          expectedVersion: null,
          changes: [
            { path: API, content: { image: 'api:1.0', replicas: 2, limits: { cpu: '500m' }, features: { search: false } } },
            { path: 'services/web.yaml', text: 'image: web:1.0\nreplicas: 1\n' },
          ],
        },
        ALICE,
      ),
    );
    versions.push(
      await write(
        PUT_CONFIG,
        {
          path: API,
          comment: 'Scale up for the sale',
          expectedVersion: versions[0],
          content: { image: 'api:1.1', replicas: 3, limits: { cpu: '500m' }, features: { search: true } },
        },
        BOB,
      ),
    );
    versions.push(
      await write(
        APPLY_CHANGES,
        {
          comment: 'Worker replaces web',
          expectedVersion: versions[1],
          changes: [
            { path: API, content: { image: 'api:1.1', replicas: 4, features: { search: true }, timeoutSeconds: 30 } },
            { path: 'services/worker.json', content: { queue: 'orders', concurrency: 4 } },
            { path: 'services/web.yaml', delete: true },
          ],
        },
        ALICE,
      ),
    );
    const tagged = await h.gql<{ createTag: { __typename: string } }>(
      'mutation($input: CreateTagInput!) { createTag(input: $input) { __typename } }',
      { input: { namespace: NS, name: 'launch', version: versions[0], message: 'What we launched with' } },
      ALICE.token,
    );
    expect(tagged.data.createTag.__typename).toBe('Tag');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(8_000);
    // The console must run under its CSP: any violation (inline script or style, a foreign host) fails the test.
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    page.on('pageerror', (error) => violations.push(error.message));
    (page as Page & { violations?: string[] }).violations = violations;
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('refuses a bad token, then signs in with a good one', async () => {
    await page.goto(h.url);
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This token was refused');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-sign-in.png') });
    expect(await page.evaluate(() => sessionStorage.getItem('cairn.token'))).toBeNull();

    await page.getByRole('button', { name: 'Continue without a token' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This server needs a token');

    await page.getByLabel('Access token').fill(ALICE.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Namespace').waitFor();
    await expect.poll(() => page.getByLabel('Namespace').inputValue()).toBe(NS);
    expect(await page.evaluate(() => sessionStorage.getItem('cairn.token'))).toBe(ALICE.token);
    await expect.poll(() => treePaths(page)).toEqual([API, 'services/worker.json']);
  });

  it('shows a document, its history as a timeline, who set each value, and a side-by-side diff with the changed values marked', async () => {
    await page.locator(`.tree-file[data-path="${API}"]`).click();
    await page.locator('.code').waitFor();
    expect(await page.locator('.code').textContent()).toContain('"timeoutSeconds": 30');

    await page.getByRole('tab', { name: /History/ }).click();
    const items = page.locator('.timeline-item');
    await expect.poll(() => items.count()).toBe(3);
    expect(await items.nth(1).textContent()).toMatch(/update.*Scale up for the sale.*Bob Builder/);

    await page.getByRole('tab', { name: 'Blame' }).click();
    const blamed = (pointer: string) => page.locator(`table.blame tr[data-pointer="${pointer}"]`).textContent();
    await expect.poll(() => blamed('/replicas')).toMatch(/replicas4Alice Admin.*Worker replaces web/);
    expect(await blamed('/image')).toMatch(/image"api:1.1"Bob Builder.*Scale up for the sale/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-blame.png') });

    // From v1 to v2: replicas 2 → 3, image, and features.search, highlighted inside their lines.
    await open(`/ns/${NS}/doc/${API}?tab=diff&from=${versions[0]}&to=${versions[1]}`);
    await page.locator('table.diff').waitFor();
    expect(await page.locator('.diff-word-removed').allTextContents()).toEqual(['0', '2', 'false']);
    expect(await page.locator('.diff-word-added').allTextContents()).toEqual(['1', '3', 'true']);
    const replicas = page.locator('.change[data-pointer="/replicas"]');
    expect(await replicas.locator('.mark').getAttribute('data-mark')).toBe('modified');
    expect(await replicas.locator('.value.old').textContent()).toBe('2');
    expect(await replicas.locator('.value.new').textContent()).toBe('3');
    expect(await page.locator('.change').count()).toBe(3);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-diff.png') });
  });

  it('shows a change made elsewhere in the live feed without a reload', async () => {
    await page.locator('.status-live').waitFor();
    versions.push(
      await write(
        PUT_CONFIG,
        { path: 'services/worker.json', comment: 'More workers', expectedVersion: versions[2], content: { queue: 'orders', concurrency: 8 } },
        BOB,
      ),
    );
    const item = page.locator(`.feed-item[data-version="${versions[3]}"]`);
    await item.waitFor({ timeout: 10_000 });
    expect(await item.textContent()).toMatch(/update.*More workers.*Bob Builder.*services\/worker\.json/);
  });

  it('shows the conflicts of a revert that later versions contradict, and commits nothing', async () => {
    await open(`/ns/${NS}/revert?version=${versions[1]}`);
    const conflict = page.getByTestId('conflict');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain(API);
    expect(await conflict.locator('code.pointer').allTextContents()).toEqual(expect.arrayContaining(['/replicas']));
    expect(await page.getByRole('button', { name: 'Revert', exact: true }).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-revert-conflict.png') });
    expect(h.git(NS, 'rev-parse', 'main').trim()).toBe(versions[3]);
  });

  it('rolls back with a preview marking every document and value, then the revert commit arrives in the feed and in git', async () => {
    await page.getByRole('link', { name: 'Roll back' }).click();
    const launch = page.locator(`.picker .timeline-item[data-hash="${versions[0]}"]`);
    expect(await launch.locator('.tag').textContent()).toBe('launch');
    await launch.click();
    const preview = page.getByTestId('preview');
    await preview.waitFor();

    const file = (p: string) => preview.locator(`.file-diff[data-path="${p}"]`);
    expect(await file('services/web.yaml').getAttribute('data-status')).toBe('ADDED');
    expect(await file('services/web.yaml').locator('.file-diff-header .mark').getAttribute('data-mark')).toBe('added');
    expect(await file('services/worker.json').getAttribute('data-status')).toBe('DELETED');
    expect(await file('services/worker.json').locator('.file-diff-header .mark').getAttribute('data-mark')).toBe('removed');
    expect(await file(API).locator('.file-diff-header .mark').getAttribute('data-mark')).toBe('modified');
    const mark = async (pointer: string) => file(API).locator(`.change[data-pointer="${pointer}"] .mark`).getAttribute('data-mark');
    expect(await mark('/limits')).toBe('added');
    expect(await mark('/timeoutSeconds')).toBe('removed');
    expect(await mark('/replicas')).toBe('modified');
    expect(await file(API).locator('.mark').allTextContents()).toEqual(expect.arrayContaining(['+', '−', '•']));
    expect(await page.getByTestId('validation').textContent()).toContain('Valid');
    // The view scrolls inside the page: a taller window shows the whole preview.
    await page.setViewportSize({ width: 1440, height: 1500 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-rollback.png') });
    await page.setViewportSize({ width: 1440, height: 900 });

    await page.getByPlaceholder('Why this roll back?').fill('Back to the initial services');
    await page.getByRole('button', { name: 'Roll back', exact: true }).click();
    await page.getByTestId('committed').waitFor();

    const event = page.locator('.feed-item').filter({ hasText: 'Back to the initial services' });
    await event.waitFor({ timeout: 10_000 });
    expect(await event.locator('.badge').first().textContent()).toBe('rollback');
    const version = await event.getAttribute('data-version');
    const log = h.git(NS, 'log', '-1', '--format=%H%n%an <%ae>%n%B', 'main');
    expect(log).toContain(version);
    expect(log).toContain('Alice Admin <alice@example.com>');
    expect(log).toContain('Back to the initial services');
    expect(log).toContain(`Cairn-Rollback-To: ${versions[0]}`);
    versions.push(version ?? '');
    // The tree follows the feed: web.yaml is back, worker.json is gone.
    await expect.poll(() => treePaths(page)).toEqual([API, 'services/web.yaml']);

    // What the README shows: the rollback's diff of api.json, with the feed's events beside it.
    await open(`/ns/${NS}/doc/${API}?tab=diff&from=${versions[2]}&to=${version}`);
    await page.locator('.diff-word-added').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'console.png') });
  });

  it('filters the audit log by operator, action, time range and document', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    const count = page.getByTestId('audit-count');
    await expect.poll(() => count.textContent()).toBe('5 entries');
    const filter = async (fields: Record<string, string>): Promise<void> => {
      await page.getByRole('button', { name: 'Clear' }).click();
      for (const [name, value] of Object.entries(fields)) {
        const field = page.locator(`form.filters [name="${name}"]`);
        if (name === 'action') await field.selectOption(value);
        else await field.fill(value);
      }
      await page.getByRole('button', { name: 'Filter' }).click();
    };
    await filter({ operator: BOB.email });
    await expect.poll(() => count.textContent()).toBe('2 entries');
    expect(await page.locator('table.audit tbody tr').allTextContents()).toEqual([
      expect.stringContaining('More workers'),
      expect.stringContaining('Scale up for the sale'),
    ]);

    await page.screenshot({ path: path.join(ARTIFACTS, 'console-audit.png') });

    await filter({ action: 'ROLLBACK' });
    await expect.poll(() => count.textContent()).toBe('1 entry');
    expect(await page.locator('table.audit tbody tr').textContent()).toContain('Back to the initial services');

    await filter({ path: 'services/worker.json' });
    await expect.poll(() => count.textContent()).toBe('3 entries');

    await filter({ since: '2000-01-01T00:00:00', until: '2000-12-31T23:59:59' });
    await expect.poll(() => count.textContent()).toBe('0 entries');
    await filter({ since: '2000-01-01T00:00:00' });
    await expect.poll(() => count.textContent()).toBe('5 entries');
  });

  it('lists versions with their tags and shows what one version changed', async () => {
    await page.getByRole('link', { name: 'Versions' }).click();
    const v3 = page.locator(`.timeline-item[data-hash="${versions[2]}"]`);
    await v3.getByRole('button', { name: 'Show changes' }).click();
    await expect
      .poll(() => v3.locator('.file-diff').evaluateAll((files) => files.map((f) => `${f.getAttribute('data-status')} ${f.getAttribute('data-path')}`)))
      .toEqual([`MODIFIED ${API}`, 'DELETED services/web.yaml', 'ADDED services/worker.json']);
    expect(await page.locator(`.timeline-item[data-hash="${versions[0]}"] .tag`).textContent()).toBe('launch');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-versions.png') });
  });

  it('lists change requests with their diff', async () => {
    const proposed = await h.gql<{ proposeChange: { __typename: string; id?: string } }>(
      'mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id } } }',
      {
        input: {
          namespace: NS,
          comment: 'Bigger web',
          expectedVersion: versions[4],
          changes: [{ path: 'services/web.yaml', text: 'image: web:1.0\nreplicas: 5\n' }],
        },
      },
      BOB.token,
    );
    expect(proposed.data.proposeChange.__typename).toBe('Proposal');
    await page.getByRole('link', { name: 'Change requests' }).click();
    const proposal = page.locator(`.proposal[data-proposal="${proposed.data.proposeChange.id}"]`);
    await proposal.waitFor();
    expect(await proposal.textContent()).toMatch(/open.*Bigger web.*Bob Builder/);
    await proposal.getByRole('button', { name: 'Show diff' }).click();
    expect(await proposal.locator('.change[data-pointer="/replicas"] .value.new').textContent()).toBe('5');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-proposals.png') });
  });

  it('signs in without a token on a development server (no tokens file), in a tab of its own', async () => {
    const dev = await startHarness({ env: { CAIRN_CONSOLE_DIR: consoleDir } });
    const context = await browser.newContext();
    try {
      await dev.gql(CREATE_NAMESPACE, { name: 'sandbox' });
      const tab = await context.newPage();
      tab.setDefaultTimeout(8_000);
      await tab.goto(dev.url);
      await tab.getByRole('button', { name: 'Continue without a token' }).click();
      await expect.poll(() => tab.getByLabel('Namespace').inputValue()).toBe('sandbox');
      expect(await tab.locator('.topbar').textContent()).toContain('Development server (no token)');
      // Without a tokens file every request is the development operator, admin of every namespace.
      await expect.poll(() => tab.getByTestId('role').textContent()).toBe('admin');
      expect(await tab.getByTestId('identity').textContent()).toBe('Local Developerdev@localhostadmin');
      expect(await tab.evaluate(() => sessionStorage.getItem('cairn.token'))).toBe('');
      await tab.locator('.status-live').waitFor();
      await dev.gql(PUT_CONFIG, { input: { namespace: 'sandbox', path: 'flags.json', content: { beta: true }, expectedVersion: null, comment: 'First flag' } });
      await tab.locator('.feed-item').filter({ hasText: 'First flag' }).waitFor();
      await expect.poll(() => treePaths(tab)).toEqual(['flags.json']);
    } finally {
      await context.close();
      await dev.close();
    }
  });

  it('ran without a Content-Security-Policy violation or a script error', () => {
    expect((page as Page & { violations?: string[] }).violations).toEqual([]);
  });
});
