import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, builtConsole, launchBrowser, signIn } from '../support/browser.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { type Receiver, startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const BOB: TestToken = { token: 'bob-token', name: 'Bob Builder', email: 'bob@example.com', roles: { '*': 'editor' } };

const SHOP = 'shop';
const BILLING = 'billing';

const SERVICE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['port'],
  properties: {
    port: { type: 'integer', description: 'The port the service listens on' },
    replicas: { type: 'integer', description: 'How many instances run' },
  },
};

const POLICY = { approvals: [{ paths: ['prod/**'], required: 1, approvers: [BOB.email] }], protectedTags: ['release/*'], emergencyRollback: true };

/**
 * The console's admin pages in headless Chromium against a real Cairn: the audit log's filters live in the address
 * and its exports download what they select (checked against `git log`), the audit across namespaces, the webhooks
 * page against a real HTTP receiver (signatures checked with the secret the page showed), the policy and schemas
 * pages. Tests run in order on one page.
 */
describe('web console: audit, webhooks, policy, schemas', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let receiver: Receiver;
  const errors: string[] = [];

  const put = async (ns: string, file: string, text: string, comment: string, token: TestToken): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: ns, path: file, text, expectedVersion: null, comment } },
      token.token,
    );
    if (res.data.putConfig.status !== 'COMMITTED') throw new Error(`write failed: ${JSON.stringify(res)}`);
    return res.data.putConfig.version?.hash ?? '';
  };
  const open = async (hash: string): Promise<void> => {
    await page.goto(`${h.url}/#${hash}`);
  };
  const log = (ns: string, ...args: string[]): string[] =>
    h
      .git(ns, 'log', '--format=%H', ...args, 'main')
      .trim()
      .split('\n')
      .filter(Boolean);
  const rowHashes = (): Promise<string[]> => page.locator('table.audit tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-hash') ?? ''));
  const downloaded = async (button: string): Promise<{ name: string; text: string }> => {
    const [download]: [Download, void] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button, exact: true }).click()]);
    return { name: download.suggestedFilename(), text: readFileSync((await download.path()) ?? '', 'utf8') };
  };

  beforeAll(async () => {
    h = await startHarness({
      tokens: [ALICE, BOB],
      env: {
        CAIRN_CONSOLE_DIR: builtConsole(),
        CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32',
        CAIRN_WEBHOOK_RETRY_SCHEDULE: '50ms,50ms',
        CAIRN_WEBHOOK_TIMEOUT_MS: '2000',
      },
    });
    await h.gql(CREATE_NAMESPACE, { name: SHOP }, ALICE.token);
    await h.gql(CREATE_NAMESPACE, { name: BILLING }, ALICE.token);
    await put(SHOP, '.cairn/schemas/service.schema.json', JSON.stringify(SERVICE_SCHEMA, null, 2), 'Services have a port', ALICE);
    await put(SHOP, '.cairn/schemas/index.json', JSON.stringify({ 'services/**': 'service.schema.json' }), 'Map the service schema', ALICE);
    await put(SHOP, 'services/api.json', '{ "port": 8080 }\n', 'The API', BOB);
    await put(SHOP, 'notes.json', '{ "note": "hi" }\n', 'Notes', ALICE);
    await put(SHOP, '.cairn/policy.json', JSON.stringify(POLICY), 'Prod is reviewed', ALICE);
    await put(BILLING, 'rates.json', '{ "vat": 20 }\n', 'Rates', BOB);
    await put(BILLING, 'other.json', '{}\n', 'Other', ALICE);
    receiver = await startReceiver();

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) errors.push(`${message.text()} (${JSON.stringify(message.location())})`);
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await signIn(page, h.url, ALICE.token);
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await h?.close();
  });

  it('keeps the audit filters in the address: a reload keeps them, back returns to the previous filter', async () => {
    await open(`/ns/${SHOP}/audit`);
    await expect.poll(rowHashes).toEqual(log(SHOP));
    expect(await page.getByLabel('Operator').getAttribute('placeholder')).toMatch(/part of a name or email/);

    // A part of the name: "bob" finds Bob Builder.
    await page.getByLabel('Operator').fill('bob');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(rowHashes).toEqual(log(SHOP, '--author=bob@example.com'));
    expect(new URL(page.url()).hash).toBe(`#/ns/${SHOP}/audit?operator=bob`);

    await page.getByLabel('Operator').fill('ali');
    await page.getByLabel('Touching').selectOption('SCHEMA');
    await page.getByRole('button', { name: 'Filter' }).click();
    const schemaChanges = log(SHOP, '--author=alice@example.com', '--', '.cairn/schemas');
    expect(schemaChanges).toHaveLength(2);
    await expect.poll(rowHashes).toEqual(schemaChanges);

    await page.reload();
    await expect.poll(rowHashes).toEqual(schemaChanges);
    expect(await page.getByLabel('Operator').inputValue()).toBe('ali');
    expect(await page.getByLabel('Touching').inputValue()).toBe('SCHEMA');

    await page.goBack();
    await expect.poll(rowHashes).toEqual(log(SHOP, '--author=bob@example.com'));
    expect(await page.getByLabel('Operator').inputValue()).toBe('bob');
    expect(await page.getByLabel('Touching').inputValue()).toBe('');
  });

  it('exports what the filters select as CSV and as JSON Lines, named after the namespace and the day', async () => {
    await open(`/ns/${SHOP}/audit?operator=ali&subject=SCHEMA`);
    const expected = log(SHOP, '--author=alice@example.com', '--', '.cairn/schemas');
    await expect.poll(rowHashes).toEqual(expected);

    await page.screenshot({ path: path.join(ARTIFACTS, 'console-audit-filtered.png') });
    const csv = await downloaded('CSV');
    expect(csv.name).toMatch(/^shop-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = csv.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('version,time,action,operatorName,operatorEmail,operatorIp,comment,paths');
    expect(lines.slice(1).map((line) => line.split(',')[0]?.replaceAll('"', ''))).toEqual(expected);
    expect(lines[1]).toContain('"Map the service schema",".cairn/schemas/index.json"');

    const jsonl = await downloaded('JSON Lines');
    expect(jsonl.name).toMatch(/^shop-audit-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const rows = jsonl.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { version: string; operatorEmail: string });
    expect(rows.map((r) => r.version)).toEqual(expected);
    expect(new Set(rows.map((r) => r.operatorEmail))).toEqual(new Set([ALICE.email]));
  });

  it('lists the audit of every namespace, with a link to each, filtered through the address, and exports it', async () => {
    await page.getByRole('link', { name: 'All audit' }).click();
    const namespaces = (): Promise<string[]> =>
      page.locator('table.audit tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-namespace') ?? ''));
    await expect.poll(async () => (await namespaces()).length).toBe(log(SHOP).length + log(BILLING).length);
    expect(new Set(await namespaces())).toEqual(new Set([SHOP, BILLING]));
    expect(await page.locator(`tr[data-namespace="${BILLING}"] a[href="#/ns/${BILLING}"]`).count()).toBeGreaterThan(0);

    await page.getByLabel('Operator').fill('bob@');
    await page.getByRole('button', { name: 'Filter' }).click();
    const bobs = [...log(SHOP, '--author=bob@example.com'), ...log(BILLING, '--author=bob@example.com')];
    await expect.poll(async () => (await rowHashes()).sort()).toEqual(bobs.sort());
    expect(new Set(await namespaces())).toEqual(new Set([SHOP, BILLING]));
    expect(new URL(page.url()).hash).toBe('#/audit?operator=bob%40');
    await page.reload();
    await expect.poll(async () => (await rowHashes()).sort()).toEqual(bobs.sort());

    // Paged (three entries a page here): each "Load more" appends the next page, none repeated, none skipped.
    await page.goto(`${h.url}/?pageSize=3#/audit`);
    await expect.poll(async () => (await rowHashes()).length).toBe(3);
    const everything = [...log(SHOP), ...log(BILLING)];
    for (const shown of [6, everything.length]) {
      await page.getByRole('button', { name: 'Load more entries' }).click();
      await expect.poll(async () => (await rowHashes()).length).toBe(shown);
    }
    expect((await rowHashes()).sort()).toEqual(everything.sort());
    expect(await page.getByRole('button', { name: 'Load more entries' }).count()).toBe(0);

    await page.goto(`${h.url}/#/audit?operator=bob%40`);
    await expect.poll(async () => (await rowHashes()).sort()).toEqual(bobs.sort());
    const jsonl = await downloaded('JSON Lines');
    expect(jsonl.name).toMatch(/^all-namespaces-audit-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const rows = jsonl.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { namespace: string; version: string; operatorEmail: string });
    expect(rows.map((r) => r.version).sort()).toEqual(bobs.sort());
    expect(new Set(rows.map((r) => r.namespace))).toEqual(new Set([SHOP, BILLING]));
  });

  it('creates a webhook showing its secret once, rotates it, shows a delivery after a write and redelivers it', async () => {
    await open(`/ns/${SHOP}/webhooks`);
    const form = page.getByRole('form', { name: 'New webhook' });
    // The server's address guard answers with a typed refusal, shown next to the form.
    await form.getByLabel('Payload URL').fill('http://169.254.169.254/hook');
    await form.getByRole('button', { name: 'Create webhook' }).click();
    await expect.poll(() => form.getByTestId('webhook-error').textContent()).toMatch(/169\.254\.169\.254|address|metadata|link-local/i);

    await form.getByLabel('Payload URL').fill(receiver.url);
    await form.getByRole('button', { name: 'Create webhook' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    await expect.poll(() => page.locator('tr[data-webhook]').count()).toBe(1);
    const row = page.locator('tr[data-webhook]');
    expect(await row.locator('.webhook-url').textContent()).toContain(receiver.url);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.content()).not.toContain(secret);

    // A write is delivered, signed with the secret shown.
    const version = await put(SHOP, 'services/web.json', '{ "port": 8081 }\n', 'The web front', BOB);
    const [first] = await receiver.waitFor(1);
    expect(first?.id).toBe(`${SHOP}:${version}`);
    expect(verifyStandardWebhook(secret, first!)).toBe(true);
    // The page reads its webhooks again every few seconds: deliveries are not in the live feed.
    const polled = { timeout: 8_000 };
    await expect.poll(() => row.getByTestId('webhook-last-delivery').textContent(), polled).toContain('delivered');

    await row.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    const rotated = (await page.getByTestId('webhook-secret').textContent()) ?? '';
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);

    await row.getByRole('link', { name: 'Deliveries' }).click();
    const deliveries = page.getByTestId('webhook-deliveries');
    await expect.poll(() => deliveries.locator('tr[data-outcome="DELIVERED"]').count(), polled).toBe(1);
    expect(await deliveries.locator('tbody tr').first().textContent()).toContain('200');
    await deliveries.getByRole('button', { name: 'Redeliver' }).click();
    const [, again] = await receiver.waitFor(2);
    expect(again?.id).toBe(first?.id);
    expect(again?.body).toBe(first?.body);
    // Signed with the new secret (and, for 24 hours, the previous one too).
    expect(verifyStandardWebhook(rotated, again!)).toBe(true);
    await expect.poll(() => deliveries.locator('tr[data-trigger="REDELIVER"]').count(), polled).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-webhooks.png'), fullPage: true });

    // Deactivated, then deleted after a confirmation.
    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('form', { name: 'Edit webhook' });
    await edit.getByLabel('Active').uncheck();
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row.getByTestId('webhook-status').textContent()).toBe('inactive');
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhooks yet.').waitFor();
    expect(errors).toEqual([]);
  });

  it('shows what the policy enforces and who last changed it, and says when nothing is', async () => {
    await open(`/ns/${SHOP}/policy`);
    const rule = page.getByTestId('policy-approvals').locator('tr[data-rule="0"]');
    await rule.waitFor();
    expect(await rule.textContent()).toMatch(/prod\/\*\*.*1 of 1.*bob@example\.com/);
    expect(await page.getByTestId('policy-tags').textContent()).toContain('release/*');
    expect(await page.getByTestId('policy-emergency').textContent()).toMatch(/^Emergency rollbackAllowed/);
    const last = await page.getByTestId('policy-last-change').textContent();
    expect(last).toContain('Alice Admin');
    expect(last).toContain('Prod is reviewed');
    expect(await page.getByRole('link', { name: 'Edit the policy' }).getAttribute('href')).toBe(`#/ns/${SHOP}/doc/.cairn/policy.json?tab=edit`);

    await page.screenshot({ path: path.join(ARTIFACTS, 'console-policy.png'), fullPage: true });
    await open(`/ns/${BILLING}/policy`);
    expect(await page.getByTestId('no-policy').textContent()).toContain('nothing is enforced');
  });

  it('shows each schema with the paths and documents it covers and its properties', async () => {
    await open(`/ns/${SHOP}/schemas`);
    const card = page.locator('[data-schema=".cairn/schemas/service.schema.json"]');
    await card.waitFor();
    expect(await card.getByTestId('schema-globs').textContent()).toContain('services/**');
    expect(await card.getByTestId('schema-documents').getByRole('link').allTextContents()).toEqual(['services/api.json', 'services/web.json']);
    expect(await card.locator('tr[data-property="port"]').textContent()).toBe('portintegerrequiredThe port the service listens on');
    expect(await card.locator('tr[data-property="replicas"]').textContent()).toBe('replicasintegeroptionalHow many instances run');
    expect(await card.getByRole('link', { name: 'Raw file' }).getAttribute('href')).toBe(`#/ns/${SHOP}/doc/.cairn/schemas/service.schema.json`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-schemas.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
