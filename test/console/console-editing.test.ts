import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, builtConsole, launchBrowser, signIn, editorTextOf, pasteIntoEditor } from '../support/browser.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const BOB: TestToken = { token: 'bob-token', name: 'Bob Builder', email: 'bob@example.com', roles: { '*': 'editor' } };
const CAROL: TestToken = { token: 'carol-token', name: 'Carol Checker', email: 'carol@example.com', roles: { '*': 'viewer' } };

const NS = 'shop';
/** Covered by service.schema.json (port: an integer, required). */
const API = 'services/api.yaml';
const API_TEXT = '# The public API\nport: 8080\nreplicas: 2\n';
/** Governed: prod/** needs an approved change request. */
const PROD = 'prod/app.json';

const SERVICE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['port'],
  properties: {
    port: { type: 'integer', minimum: 1, description: 'The port the service listens on' },
    replicas: { type: 'integer', description: 'How many instances run' },
  },
};

/**
 * Editing in the console, in headless Chromium against a real Cairn: the CodeMirror editor underlines syntax and
 * JSON Schema errors as you type, a save commits guarded by the version opened (checked with the git CLI), a governed
 * path opens a change request instead, documents are created, renamed and deleted, and a save that lost a race shows
 * the three-way view. Tests run in order on one page.
 */
describe('web console: editing', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const head = (): string => h.git(NS, 'rev-parse', 'main').trim();
  const show = (file: string): string => h.git(NS, 'show', `main:${file}`);
  const put = async (file: string, text: string, comment: string, expectedVersion: string | null = 'HEAD', token = BOB): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: NS, path: file, text, expectedVersion, comment } }, token.token);
    if (res.data.putConfig.status !== 'COMMITTED') throw new Error(`write failed: ${JSON.stringify(res)}`);
    return res.data.putConfig.version?.hash ?? '';
  };
  const open = async (hash: string): Promise<void> => {
    await page.goto(`${h.url}/#${hash}`);
  };
  const typeText = (text: string): Promise<void> => pasteIntoEditor(page, text);
  const editorText = (): Promise<string> => editorTextOf(page);

  beforeAll(async () => {
    h = await startHarness({ tokens: [ALICE, BOB, CAROL], env: { CAIRN_CONSOLE_DIR: builtConsole() } });
    await h.gql(CREATE_NAMESPACE, { name: NS });
    await put('.cairn/schemas/service.schema.json', JSON.stringify(SERVICE_SCHEMA, null, 2), 'Services have a port', null, ALICE);
    await put('.cairn/schemas/index.json', JSON.stringify({ 'services/**': 'service.schema.json' }), 'Map the service schema', null, ALICE);
    await put(API, API_TEXT, 'The API', null);
    await put(PROD, '{ "replicas": 1 }\n', 'Prod starts small', null);
    await put(
      '.cairn/policy.json',
      JSON.stringify({ approvals: [{ paths: ['prod/**'], required: 1, approvers: [BOB.email] }] }),
      'Prod is reviewed',
      null,
      ALICE,
    );

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => errors.push(error.message));
    // Tests move on from unsaved text on purpose: leave it (the warning itself is tested in console-governance).
    page.on('dialog', (dialog) => void (dialog.message().includes('unsaved changes') ? dialog.accept() : dialog.dismiss()));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) errors.push(`${message.text()} (${JSON.stringify(message.location())})`);
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await signIn(page, h.url, ALICE.token);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('underlines a schema violation and a syntax error as you type, then saves a valid edit as one commit', async () => {
    await open(`/ns/${NS}/doc/${API}?tab=edit`);
    await page.locator('.cm-content').waitFor();
    expect(await page.getByTestId('schema-note').textContent()).toContain('service.schema.json');
    expect(await editorText()).toBe(API_TEXT);

    await typeText('# The public API\nport: eighty\nreplicas: 2\n');
    const underlined = page.locator('.cm-lintRange-error');
    await expect.poll(() => underlined.allTextContents()).toEqual(['eighty']);
    // Hovering the underlined value says what is wrong, and which schema says so.
    await underlined.first().hover();
    await expect.poll(() => page.locator('.cm-tooltip-lint').textContent()).toMatch(/integer.*service\.schema\.json/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-editor.png') });

    await typeText('port: [8080\n');
    await expect.poll(() => underlined.allTextContents()).toEqual(['0']);
    expect(await page.locator('.cm-lint-marker-error').count()).toBe(1);
    await typeText('# The public API\nport: 8081\nreplicas: 2\n');
    await expect.poll(() => underlined.count()).toBe(0);

    // A look at another tab keeps the unsaved text.
    await page.getByRole('tab', { name: 'Blame' }).click();
    await page.locator('table.blame').waitFor();
    expect(await page.locator('.cm-content').isVisible()).toBe(false);
    await page.getByRole('tab', { name: 'Edit' }).click();
    expect(await editorText()).toBe('# The public API\nport: 8081\nreplicas: 2\n');

    const before = head();
    await page.getByLabel('Comment').fill('Move the API to 8081');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('committed').waitFor();
    expect(h.git(NS, 'rev-parse', 'main~1').trim()).toBe(before);
    expect(h.git(NS, 'log', '-1', '--format=%s%n%an', 'main').trim()).toBe('Move the API to 8081\nAlice Admin');
    expect(show(API)).toBe('# The public API\nport: 8081\nreplicas: 2\n');
  });

  it("completes the schema's property names and describes a property on hover", async () => {
    await open(`/ns/${NS}/doc/${API}?tab=edit`);
    await page.locator('.cm-content').waitFor();
    await typeText('port: 8081\nre');
    await page.keyboard.type('p');
    const options = page.locator('.cm-tooltip-autocomplete li');
    // port is there already: only replicas is offered, with its type.
    await expect.poll(() => options.allTextContents()).toEqual(['replicasinteger']);
    // CodeMirror ignores Enter for 75 ms after the list opens (interactionDelay), so a fast typist's newline stays one.
    await page.waitForTimeout(150);
    await page.keyboard.press('Enter');
    await expect.poll(editorText).toBe('port: 8081\nreplicas: ');
    await page.locator('.cm-line').first().getByText('port').hover();
    await expect.poll(() => page.locator('.cm-schema-hover').textContent()).toBe('integer The port the service listens on');
  });

  it('proposes a change to a governed path instead of committing it', async () => {
    await open(`/ns/${NS}/doc/${PROD}?tab=edit`);
    await page.locator('.cm-content').waitFor();
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await typeText('{ "replicas": 3 }\n');
    const before = head();
    await page.getByLabel('Comment').fill('Prod needs three');
    await page.getByRole('button', { name: 'Propose change' }).click();
    await page.getByTestId('proposed').waitFor();
    expect(head()).toBe(before);
    const branches = h.git(NS, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/proposals/').trim().split('\n');
    expect(branches).toHaveLength(1);
    expect(h.git(NS, 'show', `${branches[0]}:${PROD}`)).toBe('{ "replicas": 3 }\n');
    expect(show(PROD)).toBe('{ "replicas": 1 }\n');
  });

  it('creates a document from a template, renames it in one commit, and deletes it after confirming', async () => {
    await open(`/ns/${NS}`);
    await page.getByRole('link', { name: '+ New document' }).click();
    const form = page.getByRole('form', { name: 'New document' });
    await form.getByLabel('Path').fill('services/worker');
    await form.getByLabel('Format').selectOption('YAML');
    await form.getByLabel('Start from').selectOption(API);
    await form.getByLabel('Comment').fill('A worker like the API');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/doc\/services\/worker\.yaml\?tab=edit$/);
    expect(show('services/worker.yaml')).toBe(show(API));
    expect(h.git(NS, 'log', '-1', '--format=%s', 'main').trim()).toBe('A worker like the API');

    await page.getByRole('button', { name: 'Rename / move' }).click();
    const rename = page.getByRole('form', { name: 'Rename document' });
    await rename.getByLabel('New path').fill('jobs/worker.yaml');
    await rename.getByLabel('Comment').fill('Workers are jobs');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await page.waitForURL(/doc\/jobs\/worker\.yaml$/);
    expect(h.git(NS, 'show', '--no-renames', '--name-status', '--format=%s', 'main').trim().split('\n')).toEqual([
      'Workers are jobs',
      '',
      'A\tjobs/worker.yaml',
      'D\tservices/worker.yaml',
    ]);
    await page.locator('a.tree-file[data-path="jobs/worker.yaml"]').waitFor();

    await page.getByRole('button', { name: 'Delete' }).click();
    const remove = page.getByRole('form', { name: 'Delete document' });
    expect(await remove.textContent()).toContain('Delete jobs/worker.yaml?');
    expect(h.git(NS, 'ls-tree', '-r', '--name-only', 'main')).toContain('jobs/worker.yaml');
    await remove.getByLabel('Comment').fill('No more workers');
    await remove.getByRole('button', { name: 'Delete this document' }).click();
    await page.waitForURL(new RegExp(`#/ns/${NS}$`));
    expect(h.git(NS, 'ls-tree', '-r', '--name-only', 'main')).not.toContain('jobs/worker.yaml');
    expect(h.git(NS, 'show', '--no-renames', '--name-status', '--format=%s', 'main').trim().split('\n')).toEqual([
      'No more workers',
      '',
      'D\tjobs/worker.yaml',
    ]);
  });

  it('shows a conflict when someone saved meanwhile, value by value, and saves the merge', async () => {
    await page.setViewportSize({ width: 1024, height: 900 });
    await open(`/ns/${NS}/doc/${API}?tab=edit`);
    await page.locator('.cm-content').waitFor();
    await typeText('# The public API\nport: 8081\nreplicas: 5\n');
    // Bob saves first: a new port, and replicas too.
    await put(API, '# The public API\nport: 9090\nreplicas: 3\n', 'Bob moves the port');
    const theirs = head();
    await page.getByLabel('Comment').fill('Five replicas');
    await page.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByTestId('version-conflict');
    await conflict.waitFor();
    expect(head()).toBe(theirs);
    expect(await conflict.locator('.alert').textContent()).toContain(
      `Bob Builder saved this document while you edited it (“Bob moves the port”): it is now at ${theirs.slice(0, 7)}`,
    );
    const rows = conflict.locator('table.three-way tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toBe('/port808180819090');
    expect(await conflict.locator('tr.conflict-row').textContent()).toBe('/replicas253');
    await conflict.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-conflict.png') });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    expect(await page.locator('.content').evaluate((node) => node.scrollWidth <= node.clientWidth)).toBe(true);

    await conflict.getByRole('button', { name: 'Load the merge into the editor' }).click();
    await expect.poll(editorText).toBe('# The public API\nport: 9090\nreplicas: 5\n');
    await page.getByLabel('Comment').fill('Five replicas, on Bob’s port');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('committed').waitFor();
    expect(h.git(NS, 'rev-parse', 'main~1').trim()).toBe(theirs);
    expect(show(API)).toBe('# The public API\nport: 9090\nreplicas: 5\n');
    expect(errors).toEqual([]);
  });

  it('offers a viewer no editing: no Edit tab, no new, rename or delete, and an edit link shows the content', async () => {
    const viewer = await browser.newPage({ viewport: { width: 1024, height: 800 } });
    try {
      await signIn(viewer, h.url, CAROL.token);
      await viewer.goto(`${h.url}/#/ns/${NS}/doc/${API}?tab=edit`);
      await viewer.getByTestId('role').waitFor();
      await expect
        .poll(async () => (await viewer.getByRole('tab').allTextContents()).map((t) => t.replace(/\d+$/, '')))
        .toEqual(['Content', 'Blame', 'History', 'Diff', 'Effective']);
      await viewer.locator('pre.code').waitFor();
      expect(await viewer.locator('.cm-content').count()).toBe(0);
      for (const name of ['Rename / move', 'Delete']) expect(await viewer.getByRole('button', { name }).count()).toBe(0);
      expect(await viewer.getByRole('link', { name: '+ New document' }).count()).toBe(0);
    } finally {
      await viewer.close();
    }
    // No page error and no Content-Security-Policy violation on the editor's page in the whole file.
    expect(errors).toEqual([]);
  });
});
