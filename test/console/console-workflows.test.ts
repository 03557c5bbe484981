import path from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, builtConsole, launchBrowser, signIn } from '../support/browser.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE: TestToken = { token: 'alice-token', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' } };
const BOB: TestToken = { token: 'bob-token', name: 'Bob Builder', email: 'bob@example.com', roles: { '*': 'editor' } };
const CAROL: TestToken = { token: 'carol-token', name: 'Carol Checker', email: 'carol@example.com', roles: { '*': 'viewer' } };

/** Imported history: 7 commits by Grace, each changing app.json (the first also adds notes.yaml). */
const LEGACY = 'legacy';
const IMPORTED = 7;
/** Change requests: prod/** needs 2 approvals from alice and carol. */
const REVIEW = 'review';
const PROD = 'prod/app.json';

const IMPORT_HISTORY = `mutation($input: ImportHistoryInput!) { importHistory(input: $input) { __typename ... on ImportHistoryPayload { commits { status } } ... on Error { message } } }`;
const PROPOSE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id } ... on Error { message } } }`;
const APPROVE = `mutation($input: ProposalActionInput!) { approveChange(input: $input) { __typename ... on Error { message } } }`;

/**
 * Round two of the console, in headless Chromium against a real Cairn: paging with "Load more" (a small page size
 * through `?pageSize=`), approving, rejecting and merging change requests with their refusals, tags, the IMPORT
 * action, a namespace created elsewhere, and a token refused over the WebSocket. Tests run in order on one page.
 */
describe('web console: paging, reviews, tags', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let consoleDir: string;
  const errors: string[] = [];

  const head = (ns: string): string => h.git(ns, 'rev-parse', 'main').trim();
  const log = (ns: string, ...args: string[]): string[] =>
    h
      .git(ns, 'log', '--format=%H', 'main', ...args)
      .trim()
      .split('\n');
  const put = async (
    ns: string,
    docPath: string,
    content: unknown,
    token: TestToken,
    comment: string,
    expectedVersion: string | null = 'HEAD',
  ): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: ns, path: docPath, content, expectedVersion, comment } },
      token.token,
    );
    if (res.data.putConfig.status !== 'COMMITTED') throw new Error(`write failed: ${JSON.stringify(res)}`);
    return res.data.putConfig.version?.hash ?? '';
  };
  const propose = async (content: unknown, token: TestToken, comment: string, ns = REVIEW, docPath = PROD): Promise<string> => {
    const res = await h.gql<{ proposeChange: { __typename: string; id?: string } }>(
      PROPOSE,
      { input: { namespace: ns, expectedVersion: head(ns), comment, changes: [{ path: docPath, content }] } },
      token.token,
    );
    if (!res.data.proposeChange.id) throw new Error(`proposal failed: ${JSON.stringify(res)}`);
    return res.data.proposeChange.id;
  };
  const hashes = (items: Locator) => items.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-hash')));

  beforeAll(async () => {
    consoleDir = builtConsole();
    h = await startHarness({ tokens: [ALICE, BOB, CAROL], env: { CAIRN_CONSOLE_DIR: consoleDir } });
    await h.gql(CREATE_NAMESPACE, { name: LEGACY });
    const commits = Array.from({ length: IMPORTED }, (_, i) => ({
      author: { name: 'Grace Hopper', email: 'grace@example.com' },
      authoredAt: new Date(Date.UTC(2019, 0, 1 + i)).toISOString(),
      timezoneOffset: 0,
      message: `Legacy step ${i}`,
      changes: [{ path: 'app.json', text: JSON.stringify({ step: i }) }, ...(i === 0 ? [{ path: 'notes.yaml', text: 'owner: grace\n' }] : [])],
    }));
    const imported = await h.gql<{ importHistory: { __typename: string } }>(IMPORT_HISTORY, {
      input: { namespace: LEGACY, expectedVersion: null, requestId: 'legacy-import', commits },
    });
    expect(imported.data.importHistory.__typename).toBe('ImportHistoryPayload');
    await h.gql(CREATE_NAMESPACE, { name: REVIEW });
    await put(REVIEW, PROD, { replicas: 1 }, ALICE, 'Prod starts small', null);
    await put(
      REVIEW,
      '.cairn/policy.json',
      { approvals: [{ paths: ['prod/**'], required: 2, approvers: [ALICE.email, CAROL.email] }] },
      ALICE,
      'Prod needs two approvals',
      null,
    );

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(8_000);
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) errors.push(message.text());
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await signIn(page, h.url, ALICE.token);
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('pages through versions with Load more, without a gap or a duplicate, also when a commit lands in between', async () => {
    const imported = log(LEGACY);
    expect(imported).toHaveLength(IMPORTED);
    await page.goto(`${h.url}/?pageSize=3#/ns/${LEGACY}/versions`);
    const items = page.locator('.timeline > .timeline-item');
    const more = page.getByRole('button', { name: 'Load more versions' });
    await expect.poll(() => hashes(items)).toEqual(imported.slice(0, 3));
    await more.click();
    await expect.poll(() => hashes(items)).toEqual(imported.slice(0, 6));

    // A commit lands while six are shown: it comes on top, and the six stay.
    await page.locator('.status-live').waitFor();
    const latest = await put(LEGACY, 'app.json', { step: 'live' }, BOB, 'Live step');
    await expect.poll(() => hashes(items)).toEqual([latest, ...imported.slice(0, 6)]);
    await more.click();
    await expect.poll(() => hashes(items)).toEqual([latest, ...imported]);
    expect(await more.count()).toBe(0);

    // Imported commits: the import action, and their original author.
    const first = page.locator(`.timeline-item[data-hash="${imported[6]}"]`);
    expect(await first.locator('.badge').first().textContent()).toBe('import');
    expect(await first.locator('.operator').textContent()).toBe('Grace Hopper');
    expect(await first.locator('.timeline-comment').textContent()).toBe('Legacy step 0');
    // ... with when it was authored and who imported it; commits made in Cairn say neither.
    const imported0 = first.getByTestId('imported');
    expect(await imported0.textContent()).toContain(', imported by Alice Admin');
    expect(await imported0.locator('time').getAttribute('datetime')).toBe('2019-01-01T00:00:00.000Z');
    expect(await page.locator(`.timeline-item[data-hash="${latest}"]`).getByTestId('imported').count()).toBe(0);
  });

  it("pages through a document's history and the audit log, filters included", async () => {
    const history = log(LEGACY, '--', 'app.json');
    expect(history).toHaveLength(IMPORTED + 1);
    await page.goto(`${h.url}/?pageSize=3#/ns/${LEGACY}/doc/app.json?tab=history`);
    const items = page.locator('.timeline > .timeline-item');
    await expect.poll(() => hashes(items)).toEqual(history.slice(0, 3));
    expect(await page.getByRole('tab', { name: /History/ }).textContent()).toBe('History3+');
    await page.getByRole('button', { name: 'Load more versions' }).click();
    await expect.poll(() => hashes(items)).toEqual(history.slice(0, 6));
    await page.getByRole('button', { name: 'Load more versions' }).click();
    await expect.poll(() => hashes(items)).toEqual(history);
    expect(await page.getByRole('tab', { name: /History/ }).textContent()).toBe('History8');

    await page.getByRole('link', { name: 'Audit log' }).click();
    const count = page.getByTestId('audit-count');
    const rows = page.locator('table.audit tbody tr');
    await expect.poll(() => count.textContent()).toBe('3+ entries');
    await page.getByRole('button', { name: 'Load more entries' }).click();
    await page.getByRole('button', { name: 'Load more entries' }).click();
    await expect.poll(() => count.textContent()).toBe('8 entries');
    expect(await hashes(rows)).toEqual(history);

    // The import action is a filter like the others; a new filter starts again from one page.
    await page.locator('form.filters [name="action"]').selectOption('IMPORT');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => count.textContent()).toBe('3+ entries');
    await page.getByRole('button', { name: 'Load more entries' }).click();
    await page.getByRole('button', { name: 'Load more entries' }).click();
    await expect.poll(() => count.textContent()).toBe('7 entries');
    expect(await hashes(rows)).toEqual(history.slice(1));
    expect(new Set(await rows.locator('.badge').allTextContents())).toEqual(new Set(['import']));
    // Each imported entry names the admin who imported it and the original time (2019), not the import's.
    const importedNotes = await rows.getByTestId('imported').allTextContents();
    expect(importedNotes).toHaveLength(IMPORTED);
    for (const note of importedNotes) expect(note).toMatch(/^imported by Alice Admin, authored .*2019/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-audit-paged.png') });
  });

  it('tags a version, says why a name is refused or taken, and shows the tag in the versions and the history', async () => {
    const [, second, third] = log(LEGACY);
    await page.goto(`${h.url}/#/ns/${LEGACY}/versions`);
    const item = page.locator(`.timeline-item[data-hash="${second}"]`);
    await item.getByRole('button', { name: 'Add tag' }).click();
    const form = item.getByRole('form', { name: /Tag version/ });
    const outcome = item.getByTestId('tag-outcome');
    await form.getByLabel('Tag name').fill('bad..name');
    await form.getByRole('button', { name: 'Create tag' }).click();
    await expect.poll(() => outcome.getAttribute('data-outcome')).toBe('InvalidTagName');
    expect(await outcome.textContent()).toContain('“bad..name” cannot be a tag name');

    await form.getByLabel('Tag name').fill('legacy-1.0');
    await form.getByLabel('Message').fill('What we migrated');
    await form.getByRole('button', { name: 'Create tag' }).click();
    await expect.poll(() => outcome.getAttribute('data-outcome')).toBe('Tag');
    await expect.poll(() => item.locator('.timeline-head .tag').allTextContents()).toEqual(['legacy-1.0']);
    expect(h.git(LEGACY, 'rev-parse', 'legacy-1.0^{commit}').trim()).toBe(second);

    const other = page.locator(`.timeline-item[data-hash="${third}"]`);
    await other.getByRole('button', { name: 'Add tag' }).click();
    await other.getByLabel('Tag name').fill('legacy-1.0');
    await other.getByRole('button', { name: 'Create tag' }).click();
    await expect.poll(() => other.getByTestId('tag-outcome').getAttribute('data-outcome')).toBe('TagExists');
    expect(await other.getByTestId('tag-outcome').textContent()).toBe('A tag “legacy-1.0” exists already: tags are never moved. Pick another name.');
    expect(await other.locator('.timeline-head .tag').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-tag.png') });

    await page.goto(`${h.url}/#/ns/${LEGACY}/doc/app.json?tab=history`);
    await expect.poll(() => page.locator(`.timeline-item[data-hash="${second}"] .tag`).allTextContents()).toEqual(['legacy-1.0']);
  });

  it('approves, rejects and merges change requests, shows each refusal with what it needs, and follows proposal events live', async () => {
    await page.goto(`${h.url}/#/ns/${REVIEW}/proposals`);
    await page.getByText('No change requests.').waitFor();
    await page.locator('.status-live').waitFor();
    const proposal = (id: string) => page.locator(`.proposal[data-proposal="${id}"]`);
    const outcome = (id: string) => proposal(id).getByTestId('proposal-outcome');
    const act = async (id: string, verb: 'Approve' | 'Reject' | 'Merge', expected: string): Promise<Locator> => {
      await proposal(id).getByRole('button', { name: verb, exact: true }).click();
      await expect.poll(() => outcome(id).getAttribute('data-outcome')).toBe(expected);
      return outcome(id);
    };

    // Proposed elsewhere: it appears through proposalEvents (a proposal never reaches main's feed).
    const first = await propose({ replicas: 3 }, BOB, 'Scale prod to 3');
    await proposal(first).waitFor();
    expect(await proposal(first).textContent()).toMatch(/open.*Scale prod to 3.*Bob Builder/);

    // The merge box says what merging needs, as the merge decides it: Merge waits, disabled, with the reason.
    const box = (id: string) => proposal(id).getByTestId('merge-box');
    const approvedBy = (id: string) =>
      box(id)
        .locator('[data-approver]')
        .evaluateAll((items) => items.map((i) => `${i.getAttribute('data-approver')}:${i.getAttribute('data-approved')}`));
    expect(await proposal(first).getByRole('button', { name: 'Merge', exact: true }).isDisabled()).toBe(true);
    expect(await box(first).getByTestId('merge-reason').textContent()).toBe('Waiting for 2 more approvals.');
    expect(await approvedBy(first)).toEqual([`${ALICE.email}:false`, `${CAROL.email}:false`]);
    await proposal(first).getByLabel('Review comment').fill('Looks right');
    await act(first, 'Approve', 'Proposal');
    await expect.poll(() => proposal(first).locator('.reviews').textContent()).toMatch(/approved Alice Admin.*Looks right/);
    await expect.poll(() => box(first).getByTestId('merge-reason').textContent()).toBe('Waiting for 1 more approval.');
    expect(await approvedBy(first)).toEqual([`${ALICE.email}:true`, `${CAROL.email}:false`]);

    // Carol approves elsewhere: her review shows up without a reload.
    const approved = await h.gql<{ approveChange: { __typename: string } }>(APPROVE, { input: { namespace: REVIEW, proposal: first } }, CAROL.token);
    expect(approved.data.approveChange.__typename).toBe('Proposal');
    await expect.poll(() => proposal(first).locator('.reviews').textContent()).toContain('Carol Checker');

    const second = await propose({ replicas: 5 }, BOB, 'Scale prod to 5');
    await proposal(second).waitFor();
    expect(await (await act(first, 'Merge', 'WritePayload')).textContent()).toContain('Merged into main as');
    await expect.poll(() => proposal(first).locator('.proposal-head .badge').textContent()).toBe('merged');
    expect(await proposal(first).getByRole('button', { name: 'Merge' }).count()).toBe(0);
    expect(h.git(REVIEW, 'log', '-1', '--format=%an%n%B', 'main')).toMatch(
      new RegExp(`Alice Admin[\\s\\S]*Cairn-Action: merge[\\s\\S]*Cairn-Proposal: ${first}`),
    );
    await page.locator('.feed-item').filter({ hasText: 'Scale prod to 3' }).waitFor();

    // Main changed its document since: the box names the conflict, and Merge waits.
    await expect.poll(() => box(second).locator('[data-blocker="PROPOSAL_CONFLICT"]').textContent()).toContain(`conflicts with later changes to ${PROD}`);
    expect(await proposal(second).getByRole('button', { name: 'Merge', exact: true }).isDisabled()).toBe(true);

    // The author is offered no Approve (the server would refuse it), but may reject to withdraw.
    const own = await propose({ replicas: 2 }, ALICE, 'My own change');
    await proposal(own).getByRole('button', { name: 'Reject' }).waitFor();
    expect(await proposal(own).getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await proposal(own).getByRole('button', { name: 'Merge' }).count()).toBe(1);
    await act(own, 'Reject', 'Proposal');
    await expect.poll(() => proposal(own).locator('.proposal-head .badge').textContent()).toBe('rejected');
    expect(await proposal(own).getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-review.png') });

    // Rejected behind the server's back (a review committed with the git CLI: no proposal event), so the console
    // still offers the buttons; the refusals say what happened.
    const rejectWithGit = (id: string): void => {
      const ref = `refs/heads/proposals/${id}`;
      const tip = h.git(REVIEW, 'rev-parse', ref).trim();
      const commit = h
        .git(REVIEW, 'commit-tree', `${tip}^{tree}`, '-p', tip, '-m', `Withdrawn elsewhere\n\nCairn-Action: reject\nCairn-Proposal: ${id}`)
        .trim();
      h.git(REVIEW, 'update-ref', ref, commit, tip);
    };
    const stale = await propose({ replicas: 7 }, BOB, 'Stale one');
    for (const approver of [ALICE, CAROL]) {
      const ok = await h.gql<{ approveChange: { __typename: string } }>(APPROVE, { input: { namespace: REVIEW, proposal: stale } }, approver.token);
      expect(ok.data.approveChange.__typename).toBe('Proposal');
    }
    await expect.poll(() => box(stale).getAttribute('data-mergeable')).toBe('true');
    rejectWithGit(stale);
    expect(await (await act(stale, 'Merge', 'ProposalRejected')).textContent()).toBe('This change request was rejected: it can no longer be merged.');
    const staler = await propose({ replicas: 8 }, BOB, 'Stale two');
    await proposal(staler).getByRole('button', { name: 'Approve' }).waitFor();
    rejectWithGit(staler);
    expect(await (await act(staler, 'Approve', 'ProposalClosed')).textContent()).toBe('This change request is already rejected: nothing was recorded.');
  });

  it('shows who is signed in with their role in the namespace, and offers only what that role may do', async () => {
    const identity = (tab: Page) => tab.getByTestId('identity');
    const role = (tab: Page) => identity(tab).getByTestId('role');
    const signedIn = async (context: BrowserContext, token: TestToken): Promise<Page> => {
      const tab = await context.newPage();
      tab.setDefaultTimeout(8_000);
      tab.on('pageerror', (error) => errors.push(error.message));
      await signIn(tab, h.url, token.token);
      return tab;
    };
    const proposalIn = (tab: Page, id: string) => tab.locator(`.proposal[data-proposal="${id}"]`);

    // Alice, admin of every namespace, in this page since the start.
    await page.goto(`${h.url}/#/ns/${LEGACY}/versions`);
    await expect.poll(() => role(page).textContent()).toBe('admin');
    expect(await identity(page).textContent()).toContain('Alice Admin');
    expect(await identity(page).textContent()).toContain(ALICE.email);
    expect(await page.locator('.topbar').textContent()).not.toContain('Signed in with a token');

    const viewers = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const editors = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      // Carol reads every namespace: no write control anywhere, and a note saying why, not a dead button.
      const carol = await signedIn(viewers, CAROL);
      const sent: string[] = [];
      carol.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/graphql')) sent.push(request.postData() ?? '');
      });
      await carol.goto(`${h.url}/#/ns/${LEGACY}/versions`);
      await expect.poll(() => role(carol).textContent()).toBe('viewer');
      expect(await role(carol).getAttribute('title')).toBe(`Your role in ${LEGACY}`);
      expect(await identity(carol).textContent()).toBe(`${CAROL.name}${CAROL.email}viewer`);
      const note = carol.getByTestId('read-only-note');
      expect(await note.textContent()).toBe(
        `You are a viewer in ${LEGACY}: rolling back, reverting and tagging need the editor role. What each version changed is under Show changes.`,
      );
      const items = carol.locator('.timeline > .timeline-item');
      await items.first().getByRole('button', { name: 'Show changes' }).waitFor();
      for (const name of ['Add tag', 'Roll back to this', 'Revert'])
        expect(await carol.getByRole('button', { name }).or(carol.getByRole('link', { name })).count()).toBe(0);
      expect(await carol.locator('.nav-links').textContent()).toBe('DocumentsVersionsChange requestsEnvironmentsAudit logComparePolicySchemas');

      // Followed from a link: the rollback view explains that even the preview is a dry run that takes an editor.
      const [, older] = log(LEGACY);
      await carol.goto(`${h.url}/#/ns/${LEGACY}/rollback?to=${older}`);
      await expect.poll(() => note.textContent()).toContain('a roll back and its preview need the editor role');
      expect(await carol.getByTestId('preview').count()).toBe(0);
      expect(await carol.getByRole('button', { name: 'Roll back', exact: true }).count()).toBe(0);
      await carol.goto(`${h.url}/#/ns/${LEGACY}/doc/app.json?tab=history`);
      await expect.poll(() => note.textContent()).toContain('rolling back and reverting need the editor role');
      await items.first().getByRole('link', { name: 'View' }).waitFor();
      expect(await carol.getByRole('link', { name: 'Roll back this document' }).count()).toBe(0);
      expect(await carol.getByRole('link', { name: 'Revert' }).count()).toBe(0);
      expect(sent.filter((body) => /query Versions/.test(body)).length).toBeGreaterThan(0);
      expect(sent.filter((body) => /mutation/.test(body))).toEqual([]);

      // Change requests: no policy in legacy, so only editors review there; review's policy names Carol an approver.
      const plain = await propose({ step: 'proposed' }, BOB, 'Proposed in legacy', LEGACY, 'app.json');
      await carol.goto(`${h.url}/#/ns/${LEGACY}/proposals`);
      await proposalIn(carol, plain).waitFor();
      await expect.poll(() => note.textContent()).toContain('reviewing takes the editor role or a place among the approvers');
      expect(await proposalIn(carol, plain).getByRole('button').allTextContents()).toEqual(['Show diff']);

      const reviewed = await propose({ replicas: 9 }, BOB, 'Carol reviews this');
      const byAlice = await propose({ replicas: 10 }, ALICE, 'Bob may not approve this');
      await carol.goto(`${h.url}/#/ns/${REVIEW}/proposals`);
      await expect.poll(() => note.textContent()).toContain('names you as an approver');
      await proposalIn(carol, reviewed).getByRole('button', { name: 'Approve' }).waitFor();
      expect(await proposalIn(carol, reviewed).getByRole('button').allTextContents()).toEqual(['Show diff', 'Approve', 'Reject', 'Comment']);
      await proposalIn(carol, reviewed).getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => proposalIn(carol, reviewed).getByTestId('proposal-outcome').getAttribute('data-outcome')).toBe('Proposal');
      // Her approval is recorded: it is not offered again (after a reload too), rejecting still is.
      await expect.poll(() => proposalIn(carol, reviewed).getByRole('button').allTextContents()).toEqual(['Show diff', 'Reject', 'Comment']);
      await carol.reload();
      await proposalIn(carol, reviewed).getByRole('button', { name: 'Reject' }).waitFor();
      expect(await proposalIn(carol, reviewed).getByRole('button').allTextContents()).toEqual(['Show diff', 'Reject', 'Comment']);
      await carol.screenshot({ path: path.join(ARTIFACTS, 'console-viewer.png') });

      // Bob edits every namespace: the write controls, and no note.
      const bob = await signedIn(editors, BOB);
      await bob.goto(`${h.url}/#/ns/${LEGACY}/versions`);
      await expect.poll(() => role(bob).textContent()).toBe('editor');
      expect(await identity(bob).textContent()).toBe(`${BOB.name}${BOB.email}editor`);
      const second = bob.locator('.timeline > .timeline-item').nth(1);
      await second.getByRole('button', { name: 'Add tag' }).waitFor();
      expect(await second.locator('.timeline-actions').first().locator('a, button').allTextContents()).toEqual([
        'Show changes',
        'Roll back to this',
        'Revert',
        'Add tag',
      ]);
      expect(await bob.locator('.nav-links').textContent()).toBe('DocumentsVersionsRoll backRevertChange requestsEnvironmentsAudit logComparePolicySchemas');
      expect(await bob.getByTestId('read-only-note').count()).toBe(0);

      // His own proposal: Reject (withdraw) and Merge, no Approve. Alice's: Approve is offered, and the server,
      // which still decides, refuses it: the policy's rule for prod/** does not name Bob.
      await bob.goto(`${h.url}/#/ns/${REVIEW}/proposals`);
      await proposalIn(bob, byAlice).getByRole('button', { name: 'Approve' }).waitFor();
      expect(await proposalIn(bob, reviewed).getByRole('button').allTextContents()).toEqual(['Show diff', 'Reject', 'Comment', 'Merge']);
      expect(await proposalIn(bob, byAlice).getByRole('button').allTextContents()).toEqual(['Show diff', 'Approve', 'Reject', 'Comment', 'Merge']);
      await proposalIn(bob, byAlice).getByRole('button', { name: 'Approve' }).click();
      const refusal = proposalIn(bob, byAlice).getByTestId('proposal-outcome');
      await expect.poll(() => refusal.getAttribute('data-outcome')).toBe('ReviewNotAllowed');
      expect(await refusal.textContent()).toBe('Only the approvers the namespace policy names may review this change.');
      expect(await bob.getByTestId('read-only-note').count()).toBe(0);
    } finally {
      await viewers.close();
      await editors.close();
    }
  });

  it('lists a namespace created elsewhere once the picker is used again', async () => {
    const picker = page.getByRole('combobox', { name: 'Namespace' });
    // Opening the picker reads the list again; Escape closes it for the next look.
    const options = async (): Promise<string[]> => {
      await picker.click();
      const names = await page.locator('#ns-listbox [role=option]').allTextContents();
      await picker.press('Escape');
      return names;
    };
    expect(await options()).not.toContain('fresh');
    await h.gql(CREATE_NAMESPACE, { name: 'fresh' });
    await expect.poll(options).toContain('fresh');

    // Read page by page: with one namespace a page, the picker still lists every one, in the server's order.
    const all = (
      await h.gql<{ namespaces: { edges: { node: { name: string } }[] } }>(`{ namespaces(first: 500) { edges { node { name } } } }`)
    ).data.namespaces.edges.map((e) => e.node.name);
    expect(all.length).toBeGreaterThan(2);
    await page.goto(`${h.url}/?pageSize=1#/ns/${LEGACY}/versions`);
    await expect.poll(options).toEqual(all);
  });

  it('signs out with a message when the WebSocket closes with 4403 (the token was revoked, the server restarted)', async () => {
    const ERIN: TestToken = { token: 'erin-token', name: 'Erin', email: 'erin@example.com', roles: { '*': 'admin' } };
    let server = await startHarness({ tokens: [ERIN], env: { CAIRN_CONSOLE_DIR: consoleDir } });
    const context = await browser.newContext();
    try {
      await server.gql(CREATE_NAMESPACE, { name: 'ops' });
      const tab = await context.newPage();
      tab.setDefaultTimeout(15_000);
      const refusedOverHttp: string[] = [];
      tab.on('response', (response) => {
        if (response.status() === 401) refusedOverHttp.push(response.url());
      });
      await tab.goto(server.url);
      await tab.getByLabel('Access token').fill(ERIN.token);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.locator('.status-live').waitFor();

      // The tokens file is read at start: the revocation takes effect when the server restarts on the same port.
      const port = new URL(server.url).port;
      await server.close();
      server = await startHarness({ tokens: [{ ...ERIN, revoked: true }], env: { CAIRN_CONSOLE_DIR: consoleDir, CAIRN_PORT: port } });
      await expect
        .poll(
          () =>
            tab
              .getByRole('alert')
              .textContent()
              .catch(() => ''),
          { timeout: 15_000 },
        )
        .toContain('closed the live feed because it no longer accepts this token');
      expect(await tab.getByLabel('Access token').isVisible()).toBe(true);
      expect(await tab.evaluate(() => sessionStorage.getItem('cairn.token'))).toBeNull();
      expect(refusedOverHttp).toEqual([]);
    } finally {
      await context.close();
      await server.close();
    }
  });

  it('ran without a Content-Security-Policy violation or a script error', () => {
    expect(errors).toEqual([]);
  });
});
