import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { bundle } from '../../scripts/bundle.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Global setup of the slow tier: builds once per run, side by side, what `npm run build` builds into dist/ (in a
 * directory of this run under node_modules/.cache, where the packages left out of the bundle resolve):
 * - the server and CLI bundle: the servers and CLIs the tests start run it (built-sources.ts), as `npm start` and the
 *   `cairn` binary do;
 * - the web console, from source: the browser tests serve it (browser.ts), never an earlier `npm run build`.
 */
export default async function buildSources(project: TestProject): Promise<() => void> {
  const cache = path.join(root, 'node_modules', '.cache', 'cairn-tests');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(path.join(cache, 'build-'));
  const bin = path.join(outDir, 'bin');
  const consoleDir = path.join(outDir, 'console');
  await Promise.all([
    bundle(bin),
    build({ configFile: path.join(root, 'src/console/vite.config.ts'), logLevel: 'warn', build: { outDir: consoleDir, emptyOutDir: true, sourcemap: false } }),
  ]);
  project.provide('builtSources', bin);
  project.provide('builtConsole', consoleDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}
