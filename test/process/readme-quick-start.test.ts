import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtEntry } from '../support/built-sources.js';
import { freePort } from '../support/free-port.js';
import { type ServerProcess, listeningUrl, startServerProcess } from '../support/server-process.js';

/**
 * README's quick start, its lines run as they are written against a server started as `npm start` starts it (no
 * tokens file: the development identity). Only what a test cannot share with a developer's machine is swapped: the
 * server's address (a free port, not 4000), where `repos/` is (a temporary directory) and `npx cairn` (this run's
 * built CLI, which is what `npx cairn` runs after `npm start` built it).
 */

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The quick start's second shell block: the commands run against a running server. */
function quickStartLines(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks, 'the quick start has two sh blocks: the two commands, then the tour').toHaveLength(2);
  return blocks[1]!.split('\n').filter((line) => line.trim() !== '');
}

describe("README's quick start", () => {
  const root = mkdtempSync(path.join(tmpdir(), 'cairn-quick-start-'));
  let server: ServerProcess;
  let url = '';

  beforeAll(async () => {
    server = startServerProcess({ CAIRN_DATA_DIR: path.join(root, 'repos'), CAIRN_PORT: String(await freePort()), CAIRN_TOKENS_FILE: '' });
    url = await listeningUrl(server);
  });

  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('runs as written, line by line, each exiting 0, and leaves the history it promises', () => {
    const host = new URL(url).host;
    const outputs = quickStartLines().map((line) => {
      const command = line
        .replaceAll('npx cairn', `"${process.execPath}" "${builtEntry('src/cli/main')}"`)
        .replaceAll('127.0.0.1:4000', host)
        .replaceAll('repos/', `${path.join(root, 'repos')}/`);
      const output = execFileSync('sh', ['-c', command], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, CAIRN_URL: url, CAIRN_TOKEN: '', NO_COLOR: '1' },
      });
      return { line, output };
    });
    const said = (start: string): string => outputs.find((o) => o.line.startsWith(start))?.output ?? '';
    expect(said('npx cairn get payments limits.json')).toBe('{"pool": 10, "timeoutMs": 500}\n');
    expect(JSON.parse(said('curl'))).toEqual({ pool: 10, timeoutMs: 500 });
    expect(said('npx cairn history')).toMatch(/rollback .* back to 10[\s\S]*update .* more connections[\s\S]*create .* first limits/);
    expect(said('git --git-dir')).toContain('Cairn-Action: rollback');
    expect(() => execFileSync('git', ['--git-dir', path.join(root, 'repos', 'payments.git'), 'fsck', '--strict'], { encoding: 'utf8' })).not.toThrow();
  });
});
