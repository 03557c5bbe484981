import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, builtConsole, launchBrowser, signIn, editorTextOf, pasteIntoEditor } from '../support/browser.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const BOB: TestToken = { token: 'bob-token', name: 'Bob Builder', email: 'bob@example.com', roles: { '*': 'editor' } };

const NS = 'gov';
/** Governed: prod/** needs Bob's approval. */
const APP = 'prod/app.json';
const DB = 'prod/db.json';
const DEV = 'dev/app.json';

/**
 * Change requests end to end in the console (issue 16), in headless Chromium against a real Cairn, two identities in
 * two browser contexts: edits of two documents collected into one change request, its merge box (Merge disabled
 * until the approver the policy names approves, from his own page), the merge checked with the git CLI; a rollback of
 * a governed document proposed from the rollback page; the warning before leaving unsaved text. Tests run in order.
 */
describe('web console: change requests end to end', () => {
  let h: Harness;
  let browser: Browser;
  let bobContext: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  const put = async (file: string, text: string, comment: string, expectedVersion: string | null = 'HEAD'): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: NS, path: file, text, expectedVersion, comment } }, ALICE.token);
    if (res.data.putConfig.status !== 'COMMITTED') throw new Error(`write failed: ${JSON.stringify(res)}`);
    return res.data.putConfig.version?.hash ?? '';
  };
  const open = async (tab: Page, hash: string): Promise<void> => {
    await tab.goto(`${h.url}/#${hash}`);
  };
  const typeText = (text: string): Promise<void> => pasteIntoEditor(page, text);
  const editorText = (): Promise<string> => editorTextOf(page);
  const edit = async (file: string, text: string): Promise<void> => {
    await open(page, `/ns/${NS}/doc/${file}?tab=edit`);
    await page.locator('.cm-content').waitFor();
    await typeText(text);
  };
  const proposalId = (tab: Page): string => new URL(tab.url().replace('#/', '')).searchParams.get('id') ?? '';

  beforeAll(async () => {
    h = await startHarness({ tokens: [ALICE, BOB], env: { CAIRN_CONSOLE_DIR: builtConsole() } });
    await h.gql(CREATE_NAMESPACE, { name: NS });
    await put(APP, '{ "replicas": 1 }\n', 'App starts small', null);
    await put(DB, '{ "pool": 5 }\n', 'A small pool', null);
    await put(DEV, '{ "debug": false }\n', 'Dev', null);
    await put(APP, '{ "replicas": 2 }\n', 'App grows');
    await put('.cairn/policy.json', JSON.stringify({ approvals: [{ paths: ['prod/**'], required: 1, approvers: [BOB.email] }] }), 'Prod is reviewed', null);

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => errors.push(error.message));
    bobContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    mkdirSync(ARTIFACTS, { recursive: true });
    await signIn(page, h.url, ALICE.token);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('collects edits of two documents into one change request, merged once the named approver approved from his page', async () => {
    await edit(APP, '{ "replicas": 4 }\n');
    await page.getByRole('button', { name: 'Add to change request' }).click();
    await page.getByTestId('staged-note').waitFor();
    // Staged text is kept in the tray: moving on to the next document asks nothing (a dialog would be dismissed).
    await edit(DB, '{ "pool": 20 }\n');
    await page.getByRole('button', { name: 'Add to change request' }).click();
    const tray = page.getByRole('form', { name: 'Draft change request' });
    await expect.poll(() => tray.locator('[data-staged]').evaluateAll((items) => items.map((i) => i.getAttribute('data-staged')))).toEqual([APP, DB]);
    // Removed and staged again: the tray follows.
    await tray.getByRole('button', { name: `Remove ${DB} from the change request` }).click();
    await expect.poll(() => tray.locator('[data-staged]').count()).toBe(1);
    await page.getByRole('button', { name: 'Add to change request' }).click();
    await expect.poll(() => tray.locator('[data-staged]').count()).toBe(2);

    await tray.getByLabel('Change request comment').fill('Scale prod');
    await tray.getByRole('button', { name: 'Open change request' }).click();
    await page.waitForURL(/proposals\?id=/);
    const id = proposalId(page);
    // One proposal branch, one commit with both documents; main did not move.
    expect(h.git(NS, 'diff', '--name-only', 'main', `proposals/${id}`).trim().split('\n')).toEqual([APP, DB]);
    expect(await page.locator('[data-staged]').count()).toBe(0);

    const box = page.getByTestId('merge-box');
    await expect.poll(() => box.getAttribute('data-mergeable')).toBe('false');
    expect(await box.locator('[data-rule]').getAttribute('data-rule')).toBe('prod/**');
    expect(await box.locator(`[data-approver="${BOB.email}"]`).getAttribute('data-approved')).toBe('false');
    expect(await box.locator(`[data-approver="${BOB.email}"]`).textContent()).toContain('pending');
    expect(await box.getByRole('button', { name: 'Merge' }).isDisabled()).toBe(true);
    expect(await box.getByTestId('merge-reason').textContent()).toBe('Waiting for 1 more approval.');
    // The author may not approve their own change: no Approve button.
    expect(await box.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Hide diff' }).waitFor();
    expect(await page.locator('.proposal .file-diff').count()).toBe(2);
    await box.screenshot({ path: path.join(ARTIFACTS, 'console-merge-box.png') });
    // A comment is recorded on the branch and approves nothing.
    expect(await box.getByRole('button', { name: 'Comment' }).isDisabled()).toBe(true);
    await box.getByLabel('Review comment').fill('Needed for the sale');
    await box.getByRole('button', { name: 'Comment' }).click();
    await expect.poll(() => page.getByTestId('proposal-outcome').textContent()).toContain('Commented');
    expect(h.git(NS, 'log', '-1', '--format=%s|%(trailers:key=Cairn-Action,valueonly)', `proposals/${id}`).trim()).toBe('Needed for the sale|comment');
    expect(await box.getAttribute('data-mergeable')).toBe('false');

    // Bob, in his own browser context, previews the diff and approves from the page with a comment.
    const bob = await bobContext.newPage();
    bob.setDefaultTimeout(8_000);
    bob.on('pageerror', (error) => errors.push(error.message));
    await signIn(bob, h.url, BOB.token);
    await open(bob, `/ns/${NS}/proposals?id=${id}`);
    const bobBox = bob.getByTestId('merge-box');
    await bobBox.getByLabel('Review comment').fill('Both look right');
    await bobBox.getByRole('button', { name: 'Approve' }).click();
    await bob.getByTestId('proposal-outcome').waitFor();
    expect(await bob.getByTestId('proposal-outcome').getAttribute('data-outcome')).toBe('Proposal');

    // Alice's page hears of the approval (proposal events): Merge is enabled, the checklist ticked.
    await expect.poll(() => box.getAttribute('data-mergeable'), { timeout: 10_000 }).toBe('true');
    expect(await box.locator(`[data-approver="${BOB.email}"]`).getAttribute('data-approved')).toBe('true');
    expect(await page.locator('.reviews').textContent()).toContain('Both look right');
    await box.getByRole('button', { name: 'Merge' }).click();
    await expect.poll(() => page.getByTestId('proposal-outcome').getAttribute('data-outcome')).toBe('WritePayload');

    // Main has one commit more: the merge, with both documents and the trailers.
    expect(h.git(NS, 'show', '--name-only', '--format=', 'main').trim().split('\n')).toEqual([APP, DB]);
    expect(h.git(NS, 'log', '-1', '--format=%(trailers:key=Cairn-Proposal,valueonly)%(trailers:key=Cairn-Approved-By,valueonly)', 'main').trim()).toBe(
      `${id}\n${BOB.email}`,
    );
    expect(h.git(NS, 'show', `main:${APP}`)).toBe('{ "replicas": 4 }\n');
    expect(h.git(NS, 'show', `main:${DB}`)).toBe('{ "pool": 20 }\n');
    expect(errors).toEqual([]);
  });

  it('proposes a rollback of a governed document from the rollback page, naming the rule that refused it', async () => {
    const first = h.git(NS, 'log', '--format=%H', '--reverse', 'main', '--', APP).trim().split('\n')[0]!;
    await open(page, `/ns/${NS}/rollback?to=${first}&paths=${APP}`);
    const offer = page.getByTestId('propose-rollback');
    await offer.waitFor();
    expect(await offer.locator('[data-rule]').textContent()).toBe(`prod/**: 1 approval from ${BOB.email}`);
    await offer.getByLabel('Change request comment').fill('Back to one replica');
    await offer.getByRole('button', { name: 'Propose rollback' }).click();
    await page.waitForURL(/proposals\?id=/);
    const id = proposalId(page);
    await page.getByTestId('merge-box').waitFor();
    expect(h.git(NS, 'show', `proposals/${id}:${APP}`)).toBe('{ "replicas": 1 }\n');
    expect(h.git(NS, 'diff', '--name-only', 'main', `proposals/${id}`).trim()).toBe(APP);
    expect(h.git(NS, 'log', '-1', '--format=%s', `proposals/${id}`).trim()).toBe('Back to one replica');
  });

  it('warns before unsaved text is left for another document, or the tab closed', async () => {
    // Staged, then saved on its own: it leaves the draft change request.
    await edit(DEV, '{ "debug": 1 }\n');
    await page.getByRole('button', { name: 'Add to change request' }).click();
    await page.locator('[data-staged]').waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('committed').waitFor();
    expect(await page.locator('[data-staged]').count()).toBe(0);
    expect(h.git(NS, 'show', `main:${DEV}`)).toBe('{ "debug": 1 }\n');

    await edit(DEV, '{ "debug": true }\n');
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.dismiss();
    });
    // Staying: the address goes back, the text is still there.
    await page.evaluate((hash) => (location.hash = hash), `#/ns/${NS}/doc/${DB}`);
    await expect.poll(() => dialogs).toEqual(['confirm']);
    await expect.poll(() => page.url()).toContain(`/doc/${DEV}`);
    expect(await editorText()).toBe('{ "debug": true }\n');
    // The document's own tabs keep the text: no question.
    await page.getByRole('tab', { name: 'Blame' }).click();
    await page.getByRole('tab', { name: 'Edit' }).click();
    expect(await editorText()).toBe('{ "debug": true }\n');

    // Closing or reloading the tab asks too: the page cancels its beforeunload (Chromium's own dialog then asks;
    // headless Chromium shows it only after a gesture it counts, so the cancellation itself is what is checked).
    const cancelsUnload = (): Promise<boolean> =>
      page.evaluate(() => {
        const event = new Event('beforeunload', { cancelable: true });
        dispatchEvent(event);
        return event.defaultPrevented;
      });
    expect(await cancelsUnload()).toBe(true);

    // Leaving: the next document opens.
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.getByRole('link', { name: 'Versions' }).click();
    await page.waitForURL(/\/versions/);
    expect(dialogs).toEqual(['confirm', 'confirm']);
    // Nothing unsaved any more: closing asks nothing.
    expect(await cancelsUnload()).toBe(false);
  });
});
