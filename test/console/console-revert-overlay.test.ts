import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, builtConsole, launchBrowser, signIn } from '../support/browser.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const BOB: TestToken = { token: 'bob-token', name: 'Bob Builder', email: 'bob@example.com', roles: { '*': 'editor' } };
const DANA: TestToken = { token: 'dana-token', name: 'Dana Deployer', email: 'dana@example.com', roles: { '*': 'editor' } };

const NS = 'ops';
const APP = 'app.json';
const SVC = 'svc.json';
const PROD_OVERLAY = 'svc.overlays/prod.patch.json';

/**
 * A revert conflict resolved in the page and an overlay read and edited as a list of operations, in headless Chromium
 * against a real Cairn; every commit is checked with the git CLI. Tests run in order on one page.
 */
describe('web console: revert conflicts and overlays', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const v: string[] = [];
  let base = '';

  const show = (file: string): string => h.git(NS, 'show', `main:${file}`);
  const put = async (file: string, content: unknown, comment: string, expectedVersion: string | null, token = BOB): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: NS, path: file, content, expectedVersion, comment } }, token.token);
    if (res.data.putConfig.status !== 'COMMITTED') throw new Error(`write failed: ${JSON.stringify(res)}`);
    return res.data.putConfig.version?.hash ?? '';
  };
  const open = (hash: string): Promise<unknown> => page.goto(`${h.url}/#${hash}`);
  const row = (pointer: string) => page.locator(`[data-testid="provenance"] tr[data-pointer="${pointer}"]`);

  beforeAll(async () => {
    h = await startHarness({ tokens: [ALICE, BOB, DANA], env: { CAIRN_CONSOLE_DIR: builtConsole() } });
    await h.gql(CREATE_NAMESPACE, { name: NS }, ALICE.token);
    v.push(await put(APP, { replicas: 1, region: 'eu', debug: false }, 'Start small', null));
    v.push(await put(APP, { replicas: 2, region: 'us', debug: true }, 'Scale up in us', v[0]!));
    v.push(await put(APP, { replicas: 3, region: 'us', debug: true }, 'Three replicas', v[1]!, DANA));
    v.push(await put(APP, { replicas: 4, region: 'asia', debug: true }, 'Move to asia', v[2]!));
    base = await put(SVC, { port: 8080, replicas: 2, log: { level: 'info' } }, 'Service base', 'HEAD');
    await put(
      PROD_OVERLAY,
      [
        { op: 'replace', path: '/replicas', value: 5 },
        { op: 'add', path: '/log/format', value: 'json' },
      ],
      'Prod overlay',
      null,
      DANA,
    );

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => errors.push(error.message));
    mkdirSync(ARTIFACTS, { recursive: true });
    await signIn(page, h.url, BOB.token);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it("resolves a revert conflict in the page: a later version's value for one value, typed JSON for another, one REVERT commit", async () => {
    const before = h.git(NS, 'rev-parse', 'main').trim();
    await open(`/ns/${NS}/revert?version=${v[1]}`);
    const resolver = page.getByTestId('revert-resolver');
    await resolver.waitFor();
    expect(await resolver.getByTestId('conflict').textContent()).toContain('Choose the value to keep');
    const replicas = resolver.locator('[data-testid="resolve-value"][data-pointer="/replicas"]');
    const region = resolver.locator('[data-testid="resolve-value"][data-pointer="/region"]');
    // The competing values of /replicas: the revert's, the head's, and each later version's with who and why.
    expect(await replicas.locator('[data-source="before"]').textContent()).toContain('1');
    expect(await replicas.locator('[data-source="current"]').textContent()).toContain('4');
    const three = replicas.locator(`[data-source="later:${v[2]}"]`);
    expect(await three.textContent()).toMatch(/Dana Deployer.*Three replicas.*3/);
    expect(await three.locator('a').getAttribute('href')).toBe(`#/ns/${NS}/doc/${APP}?at=${v[2]}`);
    expect(await replicas.locator('[data-source^="later:"]').count()).toBe(2);

    const commit = page.getByRole('button', { name: 'Commit revert' });
    expect(await commit.isDisabled()).toBe(true);
    await three.locator('input[type="radio"]').check();
    const custom = region.getByLabel('Custom JSON value for /region');
    await custom.fill('mars');
    await expect.poll(() => region.getByRole('alert').textContent()).toContain('Not JSON');
    expect(await commit.isDisabled()).toBe(true);
    await custom.fill('"mars"');
    await expect.poll(() => region.getByRole('alert').count()).toBe(0);
    await page.getByLabel('Comment (the commit message)').fill('Undo the us scale-up, keep three');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-revert-resolve.png') });
    await commit.click();
    await resolver.getByTestId('committed').waitFor();

    expect(h.git(NS, 'rev-parse', 'main~1').trim()).toBe(before);
    const message = h.git(NS, 'log', '-1', '--format=%B', 'main');
    expect(message).toContain('Undo the us scale-up, keep three');
    expect(message).toContain('Cairn-Action: revert');
    expect(message).toContain(`Cairn-Reverts: ${v[1]}`);
    expect(JSON.parse(show(APP))).toEqual({ replicas: 3, region: 'mars', debug: false });
    expect(errors).toEqual([]);
  });

  it('shows the effective document of a cluster with the provenance of each field', async () => {
    await open(`/ns/${NS}/doc/${SVC}?tab=effective`);
    await page.getByTestId('effective').waitFor();
    await page.getByLabel('Cluster', { exact: true }).selectOption('prod');
    await expect.poll(() => page.url()).toContain('cluster=prod');
    await expect.poll(() => row('/replicas').getAttribute('data-layer')).toBe('prod');
    expect(await row('/replicas').getAttribute('data-op')).toBe('0');
    expect(await row('/replicas').textContent()).toMatch(/5.*prod, op #0.*Dana Deployer.*Prod overlay/);
    expect(await row('/log/format').textContent()).toContain('prod, op #1');
    expect(await row('/port').getAttribute('data-layer')).toBe('BASE');
    expect(await row('/port').textContent()).toMatch(new RegExp(`8080.*BASE.*Bob Builder.*Service base.*${base.slice(0, 7)}`));
    expect(await row('/port').locator('a').getAttribute('href')).toBe(`#/ns/${NS}/doc/${SVC}?at=${base}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-effective.png') });
  });

  it('edits the overlay as a list of operations, checked as typed, saved as one commit the effective view then shows', async () => {
    const before = h.git(NS, 'rev-parse', 'main').trim();
    await page.getByRole('button', { name: 'Edit the overlay of cluster prod' }).click();
    const editor = page.getByTestId('overlay-ops');
    await expect.poll(() => editor.getByTestId('op-row').count()).toBe(2);
    await editor.getByLabel('Value of operation 0').fill('7');
    await editor.getByRole('button', { name: 'Add operation' }).click();
    await editor.getByLabel('Operation 2', { exact: true }).selectOption('add');
    await editor.getByLabel('Path of operation 2').fill('region');
    await editor.getByLabel('Value of operation 2').fill('"eu-west"');
    await expect.poll(() => editor.getByRole('alert').textContent()).toContain('not a JSON pointer');
    const save = editor.getByRole('button', { name: 'Save overlay' });
    expect(await save.isDisabled()).toBe(true);
    await editor.getByLabel('Path of operation 2').fill('/region');
    await editor.getByRole('button', { name: 'Move operation 2 up' }).click();
    expect(await editor.getByLabel('Path of operation 1').inputValue()).toBe('/region');
    // The preview applies the operations in the page.
    await expect.poll(() => editor.locator('pre.code').textContent()).toMatch(/"replicas": 7,.*"region": "eu-west"/s);
    await editor.getByLabel('Comment (the commit message)').fill('Prod: seven replicas in eu-west');
    await save.click();
    await page.getByTestId('committed').waitFor();

    expect(h.git(NS, 'rev-parse', 'main~1').trim()).toBe(before);
    expect(h.git(NS, 'log', '-1', '--format=%s%n%an', 'main').trim()).toBe('Prod: seven replicas in eu-west\nBob Builder');
    expect(JSON.parse(show(PROD_OVERLAY))).toEqual([
      { op: 'replace', path: '/replicas', value: 7 },
      { op: 'add', path: '/region', value: 'eu-west' },
      { op: 'add', path: '/log/format', value: 'json' },
    ]);
    await expect.poll(() => row('/replicas').textContent()).toMatch(/7.*prod, op #0.*Prod: seven replicas/);
    expect(await row('/region').textContent()).toContain('prod, op #1');
    expect(await row('/log/format').textContent()).toContain('prod, op #2');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-overlay-ops.png') });
  });

  it('creates the overlay of a cluster typed by name, and opens an overlay document on its operations', async () => {
    await page.getByPlaceholder('another cluster').fill('staging');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => page.url()).toContain('cluster=staging');
    await page.getByRole('button', { name: 'Create an overlay for cluster staging' }).click();
    const editor = page.getByTestId('overlay-ops');
    await editor.getByText('new: saving creates it').waitFor();
    await editor.getByRole('button', { name: 'Add operation' }).click();
    await editor.getByLabel('Path of operation 0').fill('/port');
    await editor.getByLabel('Value of operation 0').fill('9090');
    await editor.getByRole('button', { name: 'Save overlay' }).click();
    await page.getByTestId('committed').waitFor();
    expect(JSON.parse(show('svc.overlays/staging.patch.json'))).toEqual([{ op: 'replace', path: '/port', value: 9090 }]);
    await expect.poll(() => row('/port').getAttribute('data-layer')).toBe('staging');

    await open(`/ns/${NS}/doc/${PROD_OVERLAY}`);
    await expect.poll(() => page.getByTestId('op-row').count()).toBe(3);
    expect(await page.getByRole('tab', { name: 'Effective' }).getAttribute('aria-selected')).toBe('true');
    expect(errors).toEqual([]);
  });
});
