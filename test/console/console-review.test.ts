import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtConsole, launchBrowser } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, DELETE_CONFIG, PUT_CONFIG, type WriteResult } from '../support/operations.js';

/** Markup in every text an operator controls: none of it may ever run or become an element (token names refuse < and >). */
const EVIL = `<img src=x onerror="window.__pwned=1">"'><svg onload="window.__pwned=2">`;
const ALICE: TestToken = {
  token: 'alice-token',
  name: `Alice "' autofocus onfocus="window.__pwned=3" &amp;`,
  email: 'alice@example.com',
  roles: { '*': 'admin' },
};
const ALPHA = 'alpha';
const BETA = 'beta';

/**
 * The review of the web console (issue #7), in headless Chromium against a real Cairn: untrusted text, the page
 * title, deep links and keyboard, namespace switches under a live subscription, a rollback whose head moved between
 * preview and confirm, deleted and re-created documents, a 1 MiB document, thousands of documents, and the live
 * feed across a server restart. Tests run in order on one page; the data directory outlives the first server.
 */
describe('web console review', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let consoleDir: string;
  let dataRoot: string;
  let port: number;
  const problems: string[] = [];

  const env = () => ({ CAIRN_CONSOLE_DIR: consoleDir, CAIRN_DATA_DIR: path.join(dataRoot, 'repos'), CAIRN_PORT: String(port) });
  // The git CLI on a namespace of the data directory both servers share.
  const git = (ns: string, ...args: string[]): string =>
    execFileSync('git', ['--git-dir', path.join(dataRoot, 'repos', `${ns}.git`), ...args], { encoding: 'utf8' }).trim();
  const head = (ns: string): string | null => {
    try {
      return git(ns, 'rev-parse', '--verify', '--quiet', 'main');
    } catch {
      return null;
    }
  };
  const put = async (ns: string, docPath: string, content: unknown, comment: string): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: ns, path: docPath, content, expectedVersion: head(ns), comment } });
    if (res.data?.putConfig.status !== 'COMMITTED') throw new Error(`write failed: ${JSON.stringify(res)}`);
    return res.data.putConfig.version?.hash ?? '';
  };
  const open = (hash: string) => page.goto(`${h.url}/#${hash}`);
  const feedVersions = () => page.locator('.feed-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-version')));

  beforeAll(async () => {
    consoleDir = builtConsole();
    dataRoot = mkdtempSync(path.join(tmpdir(), 'cairn-review-'));
    port = await freePort();
    h = await startHarness({ tokens: [ALICE], env: env() });
    await h.gql(CREATE_NAMESPACE, { name: ALPHA });
    await h.gql(CREATE_NAMESPACE, { name: BETA });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(8_000);
    // The browser's own report of a CSP violation (not only its console text), and any script error.
    await page.addInitScript(() => {
      addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    page.on('console', (message) => {
      if (/Content Security Policy|CSP violation/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    rmSync(dataRoot, { recursive: true, force: true });
  });

  it('shows untrusted text (comments, names, paths, content) as text, never as markup', async () => {
    await put(ALPHA, 'app/settings.json', { banner: EVIL, [EVIL]: 'key' }, `Comment ${EVIL}`);
    await h.gql(PUT_CONFIG, {
      input: {
        namespace: ALPHA,
        path: 'app/notes.yaml',
        text: `# a comment ${EVIL}\nbanner: "${'x'}" # trailing ${EVIL}\n`,
        expectedVersion: head(ALPHA),
        comment: 'yaml with comments',
      },
    });
    await page.goto(h.url);
    await expect.poll(() => page.title()).toBe('Sign in · Cairn');
    await page.getByLabel('Access token').fill(ALICE.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByLabel('Namespace').inputValue()).toBe(ALPHA);
    await page.locator('.tree-file[data-path="app/settings.json"]').click();
    await page.locator('.code').waitFor();
    expect(await page.locator('.code').textContent()).toContain('onerror');
    await page.getByRole('tab', { name: /History/ }).click();
    await expect.poll(() => page.locator('.timeline-item').first().textContent()).toContain(`Comment ${EVIL}`);
    await open(`/ns/${ALPHA}/audit`);
    await expect.poll(() => page.locator('table.audit tbody tr').count()).toBe(2);
    await page.locator('.tree-file[data-path="app/notes.yaml"]').click();
    await expect.poll(() => page.locator('.code').textContent()).toContain(`# trailing ${EVIL}`);
    expect(await page.getByTestId('identity').textContent()).toContain(ALICE.name);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    // The only image is the logo in the top bar.
    expect(await page.locator('#app img, #app svg').count()).toBe(1);
    expect(await page.locator('.brand svg').count()).toBe(1);
    // The token: in this tab's session storage only, never in the address or in local storage.
    expect(page.url()).not.toContain(ALICE.token);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).toBe('{}');
  });

  it('names where you are in the page title, and a deep link survives a reload', async () => {
    await open(`/ns/${ALPHA}/doc/app/settings.json?tab=history`);
    await page.locator('.timeline-item').first().waitFor();
    await expect.poll(() => page.title()).toBe('app/settings.json · History · alpha · Cairn');
    await page.reload();
    await page.locator('.timeline-item').first().waitFor();
    expect(await page.getByRole('tab', { name: /History/ }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.title()).toBe('app/settings.json · History · alpha · Cairn');
    await open(`/ns/${ALPHA}/audit`);
    await expect.poll(() => page.title()).toBe('Audit log · alpha · Cairn');
  });

  it('survives a malformed address: a bad escape in the hash is taken as written', async () => {
    const errors = problems.length;
    await open(`/ns/${ALPHA}/doc/app/bad%E0%A4%A.json?tab=history`);
    await expect.poll(() => page.locator('.document-title').textContent()).toBe('bad%E0%A4%A.json');
    expect(await page.getByLabel('Namespace', { exact: true }).inputValue()).toBe(ALPHA);
    expect(problems.slice(errors)).toEqual([]);
  });

  it('opens a document from the tree with the keyboard alone', async () => {
    await open(`/ns/${ALPHA}/versions`);
    const link = page.locator('.tree-file[data-path="app/notes.yaml"]');
    await link.focus();
    // A tree moves with the arrow keys, as its role promises to a screen reader: folders and documents in order.
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-path') ?? document.activeElement?.textContent);
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('app/settings.json');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('app');
    await page.keyboard.press('End');
    expect(await focused()).toBe('app/settings.json');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('/doc/app/notes.yaml');
    await page.locator('.code').waitFor();
    // Tabs likewise: the arrows move between them and open the one reached.
    await page.getByRole('tab', { name: 'Content' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.url()).toContain('tab=blame');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Blame');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.url()).toContain('tab=content');
  });

  it('drops the old namespace from the live feed when the namespace changes, and recovers from one that failed', async () => {
    await open(`/ns/no-such-namespace`);
    // The server refused the subscription: the feed says so, and does not claim to be reconnecting.
    await page.locator('[data-status="failed"]').waitFor();
    expect(await page.locator('.feed .alert-error').textContent()).toContain('not found');
    await page.waitForTimeout(300);
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('failed');
    await page.getByLabel('Namespace', { exact: true }).fill(ALPHA);
    await page.getByLabel('Namespace', { exact: true }).press('Enter');
    await page.locator('.status-live').waitFor();
    await page.getByLabel('Namespace', { exact: true }).fill(BETA);
    await page.getByLabel('Namespace', { exact: true }).press('Enter');
    await expect.poll(() => page.locator('.feed-empty').textContent()).toContain(BETA);
    // An empty namespace says so.
    expect(await page.locator('.tree-status').textContent()).toBe('No documents yet.');
    const inAlpha = await put(ALPHA, 'app/leak.json', { n: 1 }, 'written in alpha');
    const inBeta = await put(BETA, 'b.json', { n: 1 }, 'written in beta');
    await page.locator(`.feed-item[data-version="${inBeta}"]`).waitFor();
    await page.waitForTimeout(300);
    expect(await feedVersions()).toEqual([inBeta]);
    expect(inAlpha).not.toBe(inBeta);
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('live');
  });

  it('refuses a rollback whose head moved between preview and confirm, and commits nothing', async () => {
    const first = git(ALPHA, 'rev-list', '--max-parents=0', 'main');
    await open(`/ns/${ALPHA}/rollback?to=${first}`);
    await page.locator('.preview, [data-testid="preview"], .panel.confirm').first().waitFor();
    await expect.poll(() => page.getByRole('button', { name: 'Roll back', exact: true }).isEnabled()).toBe(true);
    const moved = await put(ALPHA, 'app/moved.json', { moved: true }, 'moved meanwhile');
    await page.locator(`.feed-item[data-version="${moved}"]`).waitFor();
    // The feed told the console: it says the preview is stale and holds the button back.
    await page.getByTestId('stale-preview').waitFor();
    const confirm = page.getByRole('button', { name: 'Roll back', exact: true });
    expect(await confirm.isDisabled()).toBe(true);
    // Had the event not arrived yet (a slow feed), the server is the guard: confirm anyway.
    await confirm.evaluate((button) => ((button as HTMLButtonElement).disabled = false));
    await confirm.click();
    await expect
      .poll(() => page.locator('.alert-error').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('changed since the preview')]));
    expect(head(ALPHA)).toBe(moved);
  });

  it('diffs a document across its deletion and re-creation', async () => {
    const born = await put(ALPHA, 'svc/phoenix.yaml', { life: 1, colour: 'red' }, 'born');
    const del = await h.gql<{ deleteConfig: WriteResult }>(DELETE_CONFIG, {
      input: { namespace: ALPHA, path: 'svc/phoenix.yaml', expectedVersion: head(ALPHA), comment: 'died' },
    });
    const died = del.data.deleteConfig.version?.hash ?? '';
    const reborn = await put(ALPHA, 'svc/phoenix.yaml', { life: 2, colour: 'red' }, 'reborn');
    await open(`/ns/${ALPHA}/doc/svc/phoenix.yaml?tab=diff&from=${born}&to=${reborn}`);
    await page.locator('.change[data-pointer="/life"]').waitFor();
    expect(await page.locator('.change[data-pointer="/life"] .value.new').textContent()).toBe('2');
    await open(`/ns/${ALPHA}/doc/svc/phoenix.yaml?tab=diff&from=${born}&to=${died}`);
    await expect.poll(() => page.locator('.file-diff').getAttribute('data-status')).toBe('DELETED');
    await open(`/ns/${ALPHA}/doc/svc/phoenix.yaml?tab=diff&from=${died}&to=${reborn}`);
    await expect.poll(() => page.locator('.file-diff').getAttribute('data-status')).toBe('ADDED');
    // The history names all three, the deletion included.
    await page.getByRole('tab', { name: /History/ }).click();
    await expect.poll(() => page.locator('.timeline-item').evaluateAll((items) => items.map((i) => i.getAttribute('data-hash')))).toEqual([reborn, died, born]);
  });

  it('renders the diff of a 1 MiB document and stays responsive', async () => {
    const big = (replicas: number, prefix = 'v'): Record<string, unknown> =>
      Object.fromEntries(
        Array.from({ length: 11_900 }, (_, i) => [
          `key-${String(i).padStart(5, '0')}`,
          { value: `${prefix}${i}-${'x'.repeat(24)}`, replicas: i % 1000 === 0 ? replicas : 1 },
        ]),
      );
    const from = await put(ALPHA, 'big.json', big(1), 'big v1');
    const to = await put(ALPHA, 'big.json', big(9), 'big v2');
    // Every value changed: the worst case for the side-by-side table and the list of changes.
    const rewritten = await put(ALPHA, 'big.json', big(9, 'w'), 'big v3');
    const text = await h.gql<{ namespace: { config: { text: string } } }>(
      'query($ns: String!) { namespace(name: $ns) { ... on Namespace { config(path: "big.json") { ... on ConfigDocument { text } } } } }',
      { ns: ALPHA },
    );
    const bytes = Buffer.byteLength(text.data.namespace.config.text);
    // Just under the server's document limit (1 MiB).
    expect(bytes).toBeGreaterThan(1_000_000);
    // How long a view takes to show, and the longest the main thread was blocked meanwhile (Long Tasks API).
    const measure = async (hash: string, shown: string): Promise<{ ms: number; longestTask: number }> => {
      await page.evaluate(() => {
        const w = window as { __longest?: number };
        w.__longest = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) w.__longest = Math.max(w.__longest ?? 0, entry.duration);
        }).observe({ type: 'longtask' });
      });
      // From another view, so that what is waited for is the new view's.
      await page.evaluate((to) => (location.hash = to), `/ns/${ALPHA}/versions`);
      await page.locator('section .timeline-item').first().waitFor();
      const started = Date.now();
      await page.evaluate((to) => (location.hash = to), hash);
      await page.locator(shown).waitFor({ timeout: 15_000 });
      const ms = Date.now() - started;
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50))));
      return { ms, longestTask: await page.evaluate(() => (window as { __longest?: number }).__longest ?? 0) };
    };
    await open(`/ns/${ALPHA}/versions`);
    await page.locator('.timeline-item').first().waitFor();
    const diff = await measure(`/ns/${ALPHA}/doc/big.json?tab=diff&from=${from}&to=${to}`, 'table.diff');
    expect(await page.locator('.change').count()).toBe(12);
    const everything = await measure(`/ns/${ALPHA}/doc/big.json?tab=diff&from=${to}&to=${rewritten}`, 'table.diff');
    // A long diff shows its first part, and the rest on demand.
    expect(await page.locator('table.diff tr').count()).toBe(1_000);
    expect(await page.locator('.change').count()).toBe(500);
    expect(await page.locator('.show-all').allTextContents()).toEqual([
      expect.stringMatching(/^[\d,]+ more lines not shown/),
      expect.stringMatching(/^11,400 more values not shown/),
    ]);
    const content = await measure(`/ns/${ALPHA}/doc/big.json?tab=content`, '.code');
    expect(await page.locator('.code').textContent()).toContain('key-11899');
    console.info(
      `1 MiB document (${bytes} bytes): diff view ${diff.ms} ms (longest task ${diff.longestTask.toFixed(0)} ms), every value changed ${everything.ms} ms (longest task ${everything.longestTask.toFixed(0)} ms), content view ${content.ms} ms (longest task ${content.longestTask.toFixed(0)} ms)`,
    );
    // The main thread is never blocked for long, and no view takes many times the 3 s it takes on an idle machine.
    // The bound is wide: this runs beside the suite's heaviest files on two cores (3.7 s was seen there), and a
    // timed test measures a machine's load as much as the console (a 1.4 s task was seen under load); a rendering
    // gone quadratic (tens of seconds) still fails it.
    for (const view of [diff, everything, content]) {
      expect(view.ms).toBeLessThan(8_000);
      expect(view.longestTask).toBeLessThan(2_000);
    }
  });

  it('shows a namespace with thousands of documents in the tree', async () => {
    const COUNT = 2_000;
    const changes = Array.from({ length: COUNT }, (_, i) => ({
      path: `many/d${String(Math.floor(i / 100)).padStart(2, '0')}/doc-${String(i).padStart(4, '0')}.json`,
      content: { i },
    }));
    // The API takes at most 1000 documents per write.
    for (let start = 0; start < COUNT; start += 1000) {
      const res = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, {
        input: { namespace: BETA, expectedVersion: head(BETA), comment: 'many', changes: changes.slice(start, start + 1000) },
      });
      expect(res.data.applyChanges.status, JSON.stringify(res).slice(0, 500)).toBe('COMMITTED');
    }
    const started = Date.now();
    await open(`/ns/${BETA}/versions`);
    await expect.poll(() => page.locator('.tree-file[data-path^="many/"]').count(), { timeout: 15_000 }).toBe(COUNT);
    console.info(`tree of ${COUNT} documents: ${Date.now() - started} ms`);
  });

  it('resumes the live feed after a server restart: every commit once, none missing, as git log has them', async () => {
    await open(`/ns/${ALPHA}/versions`);
    await page.locator('.status-live').waitFor();
    const seenBefore = head(ALPHA);
    const before = await put(ALPHA, 'restart.json', { n: 0 }, 'before the restart');
    await page.locator(`.feed-item[data-version="${before}"]`).waitFor();
    // What the console asks for when it subscribes again: from the last version it saw, not from where it began.
    const subscribedSince: (string | null)[] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload)) as { type: string; payload?: { variables?: { since?: string } } };
        if (message.type === 'subscribe') subscribedSince.push(message.payload?.variables?.since ?? null);
      }),
    );
    await h.close();
    await page.locator('[data-status="reconnecting"]').waitFor();
    h = await startHarness({ tokens: [ALICE], env: env() });
    // Written before the console is back: it must replay them, then carry on live.
    const during = [await put(ALPHA, 'restart.json', { n: 1 }, 'while reconnecting'), await put(ALPHA, 'restart.json', { n: 2 }, 'still reconnecting')];
    await page.locator('.status-live').waitFor({ timeout: 20_000 });
    const after = await put(ALPHA, 'restart.json', { n: 3 }, 'after the restart');
    await page.locator(`.feed-item[data-version="${after}"]`).waitFor();
    const gitLog = git(ALPHA, 'log', '--format=%H', `${seenBefore}..main`).split('\n');
    expect(gitLog).toEqual([after, ...during.reverse(), before]);
    expect((await feedVersions()).slice(0, 4)).toEqual(gitLog);
    expect(subscribedSince).toEqual([before]);
  }, 40_000);

  it("shows times with their zone and reads the audit time range as the browser's wall clock (Asia/Kolkata)", async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Kolkata', locale: 'en-GB' });
    try {
      const tab = await context.newPage();
      tab.setDefaultTimeout(8_000);
      await tab.goto(h.url);
      await tab.getByLabel('Access token').fill(ALICE.token);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => tab.getByLabel('Namespace', { exact: true }).inputValue()).toBe(ALPHA);
      await tab.locator('a.nav-link', { hasText: 'Audit log' }).click();
      const count = tab.getByTestId('audit-count');
      await expect.poll(() => count.textContent()).toMatch(/^\d+\+? entries$/);
      const newest = new Date(git(ALPHA, 'log', '-1', '--format=%cI', 'main'));
      // The instant as a clock in Kolkata shows it (UTC+05:30), to the second.
      const wallClock = (instant: Date): string =>
        new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Kolkata', dateStyle: 'short', timeStyle: 'medium' }).format(instant).replace(' ', 'T');
      expect(await tab.locator('table.audit tbody tr').first().locator('td').first().textContent()).toMatch(/GMT\+5:30|IST/);
      await tab.locator('form.filters [name="since"]').fill(wallClock(new Date(newest.getTime() - 10_000)));
      await tab.getByRole('button', { name: 'Filter' }).click();
      // Read as UTC the range would start 5 h 30 min later, after every entry.
      await expect.poll(() => count.textContent()).toMatch(/^[1-9]\d* entr(y|ies)$/);
      await tab.locator('form.filters [name="since"]').fill(wallClock(new Date(newest.getTime() + 60_000)));
      await tab.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => count.textContent()).toBe('0 entries');
    } finally {
      await context.close();
    }
  });

  it('says a diff is being computed while it is', async () => {
    await open(`/ns/${ALPHA}/versions`);
    await page.locator('section .timeline-item').first().waitFor();
    const [newer, older] = git(ALPHA, 'log', '-2', '--format=%H', 'main').split('\n');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/graphql', async (route) => {
      if (route.request().postData()?.includes('query Diff(')) await held;
      await route.continue().catch(() => undefined);
    });
    try {
      await page.evaluate((to) => (location.hash = to), `/ns/${ALPHA}/doc/restart.json?tab=diff&from=${older}&to=${newer}`);
      await expect.poll(() => page.locator('.document .panel').textContent()).toContain('Computing the diff');
      release();
      await page.locator('table.diff').waitFor();
      expect(await page.locator('.document .panel').textContent()).not.toContain('Computing the diff');
    } finally {
      release();
      await page.unroute('**/graphql');
    }
  });

  it('goes from the start page to the first namespace, unless a link was opened while the list loaded', async () => {
    await page.goto(`${h.url}/#/`);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/ns/${ALPHA}`);

    // The namespace list is held back; meanwhile the address moves to another namespace's versions (a link, a goto).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/graphql', async (route) => {
      if (route.request().postData()?.includes('query Namespaces')) await held;
      await route.continue().catch(() => undefined);
    });
    try {
      await page.goto(`${h.url}/?fresh=1#/`);
      await page.evaluate((to) => (location.hash = to), `/ns/${BETA}/versions`);
      release();
      await page.getByLabel('Namespace').waitFor();
      await page.locator('section .timeline-item').first().waitFor();
      expect(await page.evaluate(() => location.hash)).toBe(`#/ns/${BETA}/versions`);
    } finally {
      release();
      await page.unroute('**/graphql');
    }
  });

  it('would notice a CSP violation: an inline style attribute is refused and reported', async () => {
    const probe = await browser.newPage();
    try {
      const reported: string[] = [];
      probe.on('console', (message) => reported.push(message.text()));
      await probe.addInitScript(() => {
        addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
      });
      await probe.goto(h.url);
      await probe.getByLabel('Access token').waitFor();
      const applied = await probe.evaluate(() => {
        const element = document.createElement('div');
        element.setAttribute('style', 'color: rgb(255, 0, 0)');
        document.body.append(element);
        return getComputedStyle(element).color;
      });
      expect(applied).not.toBe('rgb(255, 0, 0)');
      await expect.poll(() => reported.some((text) => /CSP violation: style-src-attr/.test(text))).toBe(true);
    } finally {
      await probe.close();
    }
  });

  it('ran without a CSP violation or a script error', () => {
    expect(problems).toEqual([]);
  });
});
