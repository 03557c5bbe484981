import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundle } from '../../scripts/bundle.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Global setup of the slow tier: bundles the server and the CLI once per run, as `npm run build` does into dist/bin,
 * into a directory of this run under node_modules/.cache (the packages left out of the bundle resolve from there). The
 * servers and CLIs the tests start run that bundle (see built-sources.ts), as `npm start` and the `cairn` binary do.
 */
export default async function buildSources(project: TestProject): Promise<() => void> {
  const cache = path.join(root, 'node_modules', '.cache', 'cairn-tests');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(path.join(cache, 'build-'));
  await bundle(outDir);
  project.provide('builtSources', outDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}
