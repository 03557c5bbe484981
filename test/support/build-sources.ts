import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

/**
 * Global setup of the slow tier: compiles src with tsc once per run, as `npm run build` does into dist/, into a
 * directory of this run under node_modules/.cache (the packages resolve from there). The servers and CLIs the tests
 * start run that build (see built-sources.ts): started with tsx, each paid about half a second to a second to
 * compile on the fly. `--noCheck` emits the same JavaScript without type-checking again (npm test's typecheck does).
 */
export default function buildSources(project: TestProject): () => void {
  const cache = path.join(root, 'node_modules', '.cache', 'cairn-tests');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(path.join(cache, 'build-'));
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', outDir], {
    cwd: root,
    stdio: 'pipe',
  });
  project.provide('builtSources', outDir);
  return () => rmSync(outDir, { recursive: true, force: true });
}
