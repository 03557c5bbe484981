import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCESS_HELPERS, SLOW_DIRECTORIES } from './tiers.js';

const root = path.resolve(import.meta.dirname, '..');

function testFiles(directory: string): string[] {
  return readdirSync(path.join(root, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.posix.join(directory, file.split(path.sep).join('/')));
}

describe('the fast tier (npm run test:fast)', () => {
  // This file names what it looks for.
  const fast = testFiles('test').filter((file) => file !== 'test/tiers.test.ts' && !SLOW_DIRECTORIES.some((directory) => file.startsWith(`${directory}/`)));

  it('holds most test files', () => {
    expect(fast.length).toBeGreaterThan(50);
  });

  it.each(fast.map((file) => [file]))('%s starts no process and no browser', (file) => {
    const source = readFileSync(path.join(root, file), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    const helpers = imports.filter((specifier) => PROCESS_HELPERS.some((helper) => specifier.replace(/\.js$/, '').endsWith(helper)));
    expect(helpers, `${file} belongs in one of ${SLOW_DIRECTORIES.join(', ')}`).toEqual([]);
    expect(source, `${file} starts Node: it belongs in one of ${SLOW_DIRECTORIES.join(', ')}`).not.toMatch(/process\.execPath|playwright/);
  });
});
