import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

const CONSOLE_CONFIG = new URL('../../src/console/vite.config.ts', import.meta.url).pathname;

/** Debian's chromium (what .ci/run installs); CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the web console from source into a fresh temp directory: tests never depend on an earlier `npm run build`. */
export async function buildConsole(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-console-'));
  await build({ configFile: CONSOLE_CONFIG, logLevel: 'warn', build: { outDir: dir, emptyOutDir: true, sourcemap: false } });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
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
