import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, builtConsole, launchBrowser, signIn } from '../support/browser.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const BOB: TestToken = { token: 'bob-token', name: 'Bob Builder', email: 'bob@builders.test', roles: { '*': 'editor' } };

const NS = 'shop';
const STAGING = 'shop-staging';
const APP = 'app.yaml';
/** A value with long words: the blame table must not break them. */
const MOTTO = 'configuration management without surprises, reviewed carefully';
const TAG = `mutation($input: CreateTagInput!) { createTag(input: $input) { __typename } }`;

/**
 * Browsing in the console, in headless Chromium against a real Cairn: the namespace picker by keyboard, creating a
 * namespace, the version picker's search, a timeline row's value changes, comparing namespaces, uploading files as
 * one commit (checked with the git CLI), and the layout at 1024 px. Tests run in order on one page.
 */
describe('web console: browsing', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const versions: Record<string, string> = {};
  const errors: string[] = [];

  /** A write guarded by the head; a namespace's first write by null (it has no head yet). */
  const put = async (ns: string, file: string, text: string, comment: string, token = ALICE, expectedVersion: string | null = 'HEAD'): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: ns, path: file, text, comment, expectedVersion } }, token.token);
    if (res.data.putConfig.status !== 'COMMITTED') throw new Error(`write failed: ${JSON.stringify(res)}`);
    return res.data.putConfig.version?.hash ?? '';
  };
  const open = async (hash: string): Promise<void> => {
    await page.goto(`${h.url}/#${hash}`);
  };
  const count = (ns: string): number => Number(h.git(ns, 'rev-list', '--count', 'main').trim());

  beforeAll(async () => {
    h = await startHarness({ tokens: [ALICE, BOB], env: { CAIRN_CONSOLE_DIR: builtConsole() } });
    for (const ns of [NS, STAGING]) await h.gql(CREATE_NAMESPACE, { name: ns });
    // Enough namespaces that the picker is a search, not a scroll.
    await Promise.all(Array.from({ length: 40 }, (_, i) => h.gql(CREATE_NAMESPACE, { name: `team-${String(i).padStart(3, '0')}` })));
    versions.first = await put(NS, APP, `replicas: 1\ntimeout: 10\nmotto: ${MOTTO}\n`, 'First deploy of the shop', ALICE, null);
    versions.timeout = await put(NS, APP, `replicas: 1\ntimeout: 30\nmotto: ${MOTTO}\n`, 'Raise the checkout timeout', BOB);
    versions.scale = await put(NS, APP, `replicas: 3\ntimeout: 30\nmotto: ${MOTTO}\n`, 'Scale up for the sale');
    await h.gql(TAG, { input: { namespace: NS, name: 'release-7', version: versions.first } });
    await put(NS, 'eol.yaml', 'a: 1\nb: 2', 'No final newline');
    await put(NS, 'eol.yaml', 'a: 1\nb: 2\n', 'Add the final newline');
    // Uploads under uploads/ are checked against a schema: port must be an integer.
    await put(NS, '.cairn/schemas/upload.schema.json', JSON.stringify({ type: 'object', properties: { port: { type: 'integer' } } }), 'Upload schema');
    await put(NS, '.cairn/schemas/index.json', JSON.stringify({ 'uploads/**': 'upload.schema.json' }), 'Map the upload schema');
    await put(STAGING, APP, `replicas: 1\ntimeout: 30\nmotto: ${MOTTO}\n`, 'Staging copy', ALICE, null);

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => errors.push(error.message));
    mkdirSync(ARTIFACTS, { recursive: true });
    await signIn(page, h.url, ALICE.token);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('picks a namespace by keyboard: type to filter, arrows, Enter opens, Escape closes', async () => {
    await open(`/ns/team-000`);
    const picker = page.getByRole('combobox', { name: 'Namespace' });
    await expect.poll(() => picker.inputValue()).toBe('team-000');
    await picker.focus();
    await page.keyboard.type('shop');
    const options = page.locator('#ns-listbox [role=option]');
    await expect.poll(() => options.allTextContents()).toEqual([NS, STAGING]);
    // The exact name is active first; an arrow moves to the next, Enter opens it.
    expect(await picker.getAttribute('aria-activedescendant')).toBe(await options.nth(0).getAttribute('id'));
    await page.keyboard.press('ArrowDown');
    expect(await options.nth(1).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/ns/${STAGING}`);
    expect(await picker.getAttribute('aria-expanded')).toBe('false');

    // Escape closes the list and restores the namespace shown.
    await picker.fill('team-01');
    await expect.poll(() => options.count()).toBe(10);
    await page.keyboard.press('Escape');
    expect(await page.locator('#ns-listbox').count()).toBe(0);
    expect(await picker.inputValue()).toBe(STAGING);
  });

  it('creates a namespace from the console, with the typed refusal for a taken or invalid name', async () => {
    await page.getByRole('button', { name: '+ New namespace' }).click();
    const form = page.locator('.new-namespace-form');
    await form.getByLabel('Name').fill(NS);
    await form.getByRole('button', { name: 'Create namespace' }).click();
    await expect.poll(() => form.locator('[role=alert]').getAttribute('data-error')).toBe('NAMESPACE_EXISTS');
    await form.getByLabel('Name').fill('Not Valid!');
    await form.getByRole('button', { name: 'Create namespace' }).click();
    await expect.poll(() => form.locator('[role=alert]').getAttribute('data-error')).toBe('INVALID_NAMESPACE');

    await form.getByLabel('Name').fill('fresh-ns');
    await form.getByRole('button', { name: 'Create namespace' }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/ns/fresh-ns');
    // A bare repository on main, with no commit yet: its first commit is its first document, made here from the console.
    expect(h.git('fresh-ns', 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    await open(`/ns/fresh-ns/new`);
    await page.locator('form.new-document input[placeholder="services/api.yaml"]').fill('hello.json');
    await page.locator('form.new-document').getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('/doc/hello.json');
    expect(count('fresh-ns')).toBe(1);
    expect(h.git('fresh-ns', 'ls-tree', '--name-only', 'main').trim()).toBe('hello.json');
  });

  it('finds a version by a word of its comment, its operator, a tag and a hash prefix', async () => {
    await open(`/ns/${NS}/doc/${APP}?tab=diff`);
    const from = page.getByRole('combobox', { name: 'From' });
    const pickBy = async (search: string, expected: string): Promise<void> => {
      await from.click();
      await from.fill(search);
      const options = page.locator('.version-listbox [role=option]');
      await expect.poll(() => options.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-hash')))).toEqual([expected]);
      await from.press('Enter');
      await expect.poll(() => page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('from'))).toBe(expected);
    };
    await from.click();
    await from.fill('shop');
    await page.locator('.version-listbox [role=option]').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-version-picker.png') });
    await from.press('Escape');
    await pickBy('checkout', versions.timeout!);
    // Closed, the picker names the version picked by its short hash and comment.
    expect(await from.inputValue()).toMatch(new RegExp(`^${versions.timeout!.slice(0, 7)}[0-9a-f]* · Raise the checkout timeout$`));
    await pickBy('bob builder', versions.timeout!);
    await pickBy('release-7', versions.first!);
    await pickBy(versions.scale!.slice(0, 8), versions.scale!);
    // From the head to the head (To is the latest version): nothing differs.
    await expect.poll(() => page.locator('.panel p.muted').allTextContents()).toContain('No difference between these versions.');

    // The rollback page's pick list searches the same way.
    await open(`/ns/${NS}/rollback`);
    const find = page.getByRole('combobox', { name: 'Find a version' });
    await find.click();
    await find.fill('first deploy');
    await expect.poll(() => page.locator('.version-listbox [role=option]').count()).toBe(1);
    await find.press('Enter');
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('to'))).toBe(versions.first);
  });

  it('expands a timeline row and a live-feed entry to the values their version changed', async () => {
    await open(`/ns/${NS}`);
    const row = page.locator(`.timeline-item[data-hash="${versions.scale}"]`);
    await row.getByRole('button', { name: /Values changed/ }).click();
    const change = row.locator('.value-changes tr[data-pointer="/replicas"]');
    await expect.poll(() => change.textContent()).toMatch(/replicas.*1.*→.*3/);
    expect(await row.locator('.value-changes tr').count()).toBe(1);

    // A document's history expands the same way.
    await open(`/ns/${NS}/doc/${APP}?tab=history`);
    const older = page.locator(`.timeline-item[data-hash="${versions.timeout}"]`);
    await older.getByRole('button', { name: /Values changed/ }).click();
    await expect.poll(() => older.locator('.value-changes tr[data-pointer="/timeout"]').textContent()).toMatch(/10.*→.*30/);

    await page.locator('[data-status="live"]').waitFor();
    const live = await put(NS, APP, `replicas: 4\ntimeout: 30\nmotto: ${MOTTO}\n`, 'Scale further');
    const entry = page.locator(`.feed-item[data-version="${live}"]`);
    await entry.getByRole('button', { name: /Values changed/ }).click();
    await expect.poll(() => entry.locator('.value-changes tr[data-pointer="/replicas"]').textContent()).toMatch(/3.*→.*4/);
  });

  it('compares two namespaces side by side, both kept in the address', async () => {
    await open(`/ns/${NS}/compare`);
    await page.locator('input[name="right-namespace"]').fill(STAGING);
    await page.locator('input[name="right-namespace"]').press('Tab');
    const result = page.getByTestId('compare-result');
    await expect.poll(() => result.locator('.file-diff').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-path')))).toEqual([APP, 'eol.yaml']);
    expect(await result.locator(`.file-diff[data-path="${APP}"] .change[data-pointer="/replicas"]`).textContent()).toMatch(/4.*→.*1/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-compare.png') });
    const params = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]);
    expect([params.get('l'), params.get('r')]).toEqual([NS, STAGING]);
    // Reopened from the address, the same comparison.
    await page.reload();
    await expect.poll(() => result.locator('.file-diff').count()).toBe(2);
  });

  it('uploads two files as one commit, and commits nothing when one does not parse or fails its schema', async () => {
    await open(`/ns/${NS}/new?folder=uploads`);
    const upload = page.getByRole('region', { name: 'Upload files' });
    const before = count(NS);
    await upload.getByLabel('Files to upload').setInputFiles([
      { name: 'a.json', mimeType: 'application/json', buffer: Buffer.from('{ "a": 1 }\n') },
      { name: 'b.yaml', mimeType: 'application/yaml', buffer: Buffer.from('b: 2\n') },
    ]);
    expect(await upload.getByLabel('Path for a.json').inputValue()).toBe('uploads/a.json');
    expect(await upload.locator('.upload[data-file="b.yaml"] .badge').textContent()).toBe('YAML');
    await upload.locator('input[name="upload-comment"]').fill('Two uploaded files');
    await upload.getByRole('button', { name: 'Commit 2 files' }).click();
    await expect.poll(() => upload.getByTestId('upload-outcome').textContent()).toContain('Committed 2 documents as one version');
    expect(count(NS)).toBe(before + 1);
    expect(h.git(NS, 'log', '-1', '--format=%s').trim()).toBe('Two uploaded files');
    expect(h.git(NS, 'show', '--name-only', '--format=', 'main').trim().split('\n').sort()).toEqual(['uploads/a.json', 'uploads/b.yaml']);
    expect(h.git(NS, 'show', 'main:uploads/b.yaml')).toBe('b: 2\n');

    await upload.getByLabel('Files to upload').setInputFiles([
      { name: 'c.json', mimeType: 'application/json', buffer: Buffer.from('{ "c": 3 }\n') },
      { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{ "c": 3,, }\n') },
    ]);
    await upload.getByRole('button', { name: 'Commit 2 files' }).click();
    await expect.poll(() => upload.locator('.upload[data-file="bad.json"] [role=alert]').textContent()).toContain('Does not parse as JSON');
    expect(await upload.locator('.upload[data-file="c.json"] [role=alert]').count()).toBe(0);
    expect(await upload.getByTestId('upload-outcome').textContent()).toContain('Nothing was committed');
    expect(count(NS)).toBe(before + 1);

    // The server's schema check names the file that fails it; the other is not blamed, and nothing is committed.
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-upload.png'), fullPage: true });
    await upload.getByRole('button', { name: 'Remove bad.json' }).click();
    await upload
      .getByLabel('Files to upload')
      .setInputFiles([{ name: 'port.json', mimeType: 'application/json', buffer: Buffer.from('{ "port": "eighty" }\n') }]);
    await upload.getByRole('button', { name: 'Commit 2 files' }).click();
    await expect.poll(() => upload.locator('.upload[data-file="port.json"] [role=alert]').textContent()).toMatch(/\/port.*integer.*upload\.schema\.json/);
    expect(await upload.locator('.upload[data-file="c.json"] [role=alert]').count()).toBe(0);
    expect(count(NS)).toBe(before + 1);
  });

  it('keeps blame values whole words, and labels a change of only the final newline', async () => {
    await open(`/ns/${NS}/doc/${APP}?tab=blame`);
    const cell = page.locator('.blame tr[data-pointer="/motto"] .value');
    await cell.waitFor();
    // Narrow the cell so the value must wrap: every word still sits on one line.
    const broken = await cell.evaluate((node) => {
      (node.closest('.blame-value-box') as HTMLElement).style.maxWidth = '120px';
      const text = node.firstChild as Text;
      const words: string[] = [];
      let at = 0;
      for (const word of (text.textContent ?? '').split(' ')) {
        const range = document.createRange();
        range.setStart(text, at);
        range.setEnd(text, at + word.length);
        if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) words.push(word);
        at += word.length + 1;
      }
      return { words, height: node.getBoundingClientRect().height };
    });
    expect(broken.words).toEqual([]);
    expect(broken.height).toBeGreaterThan(30);

    await open(`/ns/${NS}/doc/eol.yaml?tab=diff`);
    await expect.poll(() => page.getByTestId('newline-only').textContent()).toContain('Only the newline at the end of the file changed');
    expect(await page.locator('.diff .diff-no-newline').count()).toBe(1);
  });

  it('does not scroll horizontally at 1024 px on any page', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    const pages = [
      `/ns/${NS}`,
      `/ns/${NS}/doc/${APP}`,
      `/ns/${NS}/doc/${APP}?tab=blame`,
      `/ns/${NS}/doc/${APP}?tab=history`,
      `/ns/${NS}/doc/${APP}?tab=diff&from=${versions.first}`,
      `/ns/${NS}/doc/${APP}?tab=edit`,
      `/ns/${NS}/doc/${APP}?tab=effective&cluster=eu-1`,
      `/ns/${NS}/versions`,
      `/ns/${NS}/audit`,
      `/ns/${NS}/proposals`,
      `/ns/${NS}/environments`,
      `/ns/${NS}/compare?r=${STAGING}`,
      `/ns/${NS}/new`,
      `/ns/${NS}/rollback`,
      `/ns/${NS}/revert`,
      `/ns/${NS}/webhooks`,
      `/ns/${NS}/policy`,
      `/ns/${NS}/schemas`,
      `/audit`,
    ];
    const overflowing: string[] = [];
    for (const route of pages) {
      await open(route);
      await page.locator('main.content').waitFor();
      await page.waitForLoadState('networkidle');
      const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      if (scroll > client) {
        overflowing.push(`${route}: ${scroll} > ${client}`);
        await page.screenshot({ path: path.join(ARTIFACTS, `overflow-${overflowing.length}.png`), fullPage: true });
      }
    }
    await open(`/ns/${NS}/doc/${APP}?tab=diff&from=${versions.first}`);
    await page.locator('.file-diff').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-1024.png') });
    expect(overflowing).toEqual([]);
    expect(errors).toEqual([]);
  });
});
