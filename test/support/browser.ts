import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { inject } from 'vitest';

/** Debian's chromium (what .ci/run installs); CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The web console the slow tier built from source for this run (build-sources.ts): never an earlier `npm run build`. */
export function builtConsole(): string {
  return inject('builtConsole');
}

/** One headless Chromium per test file, sandbox off (containers), nothing reaching out to the network on its own. */
export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Where screenshots go (gitignored); kept for a human to look at after a run. */
export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

/** Signs in through the console's form with `token` and waits for the namespace picker: where console tests start. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Namespace').waitFor();
}

/**
 * Replaces the CodeMirror editor's whole text with a paste, through CodeMirror's paste handler (Chromium's own
 * insertText would edit the contenteditable DOM itself, with style attributes the console's CSP blocks, before
 * CodeMirror redraws it).
 */
export async function pasteIntoEditor(page: Page, text: string): Promise<void> {
  const content = page.locator('.cm-content');
  await content.click();
  await page.keyboard.press('Control+A');
  await content.evaluate((node, pasted) => {
    const data = new DataTransfer();
    data.setData('text/plain', pasted);
    node.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/** The editor's text as CodeMirror shows it, one line per line. */
export async function editorTextOf(page: Page): Promise<string> {
  return (await page.locator('.cm-content .cm-line').allTextContents()).join('\n');
}
