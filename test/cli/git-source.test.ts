import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitSource } from '../../src/cli/git-source.js';

const COMMITS = 40;

/**
 * Reading a source history costs a fixed number of git processes, whatever its length: one per commit (a
 * `git diff-tree` each) was most of an import's time.
 */
describe('GitSource', () => {
  let root: string;
  let repo: string;
  let log: string;
  let savedPath: string | undefined;

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-git-source-'));
    repo = path.join(root, 'repo');
    const git = (...args: string[]): string =>
      execFileSync('git', ['-C', repo, ...args], {
        encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'C', GIT_COMMITTER_EMAIL: 'c@example.com' },
      });
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    for (let i = 0; i < COMMITS; i += 1) {
      writeFileSync(path.join(repo, `doc-${i % 3}.json`), `{"v": ${i}}\n`);
      if (i === 5) writeFileSync(path.join(repo, 'notes.txt'), 'not a document\n');
      git('add', '-A');
      git('commit', '-q', '-m', `change ${i}`);
    }
    git('rm', '-q', 'doc-0.json');
    git('commit', '-q', '-m', 'remove doc-0');
    git('commit', '-q', '--allow-empty', '-m', 'nothing');
    // A wrapper first in PATH counts the git processes started.
    log = path.join(root, 'git-calls.log');
    const bin = path.join(root, 'bin');
    execFileSync('mkdir', [bin]);
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
    chmodSync(path.join(bin, 'git'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
  });

  afterAll(() => {
    process.env.PATH = savedPath;
    rmSync(root, { recursive: true, force: true });
  });

  it('reads the whole first-parent history with its document changes in a fixed number of git processes', async () => {
    writeFileSync(log, '');
    const source = new GitSource(repo);
    const tip = await source.tip('main');
    const { commits, sourceCommits } = await source.history(tip.oid);
    expect(readFileSync(log, 'utf8').trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(tip.length).toBe(COMMITS + 2);
    expect(sourceCommits).toBe(COMMITS + 2);
    // The empty commit touches no document.
    expect(commits.map((c) => c.message.trim())).toEqual([...Array.from({ length: COMMITS }, (_, i) => `change ${i}`), 'remove doc-0']);
    expect(commits[0]!.changes).toEqual([{ path: 'doc-0.json', blob: expect.stringMatching(/^[0-9a-f]{40}$/) }]);
    expect(commits.at(-1)!.changes).toEqual([{ path: 'doc-0.json', blob: null }]);
    expect([...source.skippedPaths]).toEqual(['notes.txt']);
    const blobs = await source.blobs([commits[7]!.changes[0]!.blob!]);
    expect([...blobs.values()][0]!.toString()).toBe('{"v": 7}\n');
  });
});
