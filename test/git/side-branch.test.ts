import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { RefMovedError } from '../../src/git/ref-store.js';
import type { CommitRequest, GitRepository } from '../../src/git/repository.js';
import { RepositoryStore } from '../../src/git/repository-store.js';

/** Proposal branches: commits off main that leave main, its index and its listeners alone. */
describe('side branches', () => {
  let root: string;
  let repo: GitRepository;
  let gitdir: string;
  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8' });
  const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
  const request = (parent: string | null, files: Record<string, string | null>): CommitRequest => ({
    parent,
    files: new Map(Object.entries(files).map(([p, t]) => [p, t === null ? null : Buffer.from(t)])),
    author: sig,
    committer: sig,
    message: formatCommitMessage('x', { action: 'propose', operatorIp: null, requestId: null, rollbackTo: null, reverts: null, proposal: 'abc' }),
  });

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-branch-'));
    const store = new RepositoryStore(path.join(root, 'repos'), { fsync: false });
    await store.init();
    repo = (await store.create('ns'))!;
    gitdir = path.join(root, 'repos', 'ns.git');
    await repo.exclusive(() => repo.commit(request(null, { 'a.json': '{"a":1}\n', 'b.json': '{}\n' })));
  });

  afterEach(async () => {
    // The index file is written in the background: let it finish before the directory goes.
    await repo.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('commits on a new branch from main, moves it only from the expected tip, and lists it', async () => {
    const main = repo.head()!.oid;
    const first = await repo.exclusive(() => repo.commitToBranch('refs/heads/proposals/abc', null, request(main, { 'a.json': '{"a":2}\n' })));
    expect(git('rev-parse', 'proposals/abc^').trim()).toBe(main);
    expect(git('show', 'proposals/abc:a.json')).toBe('{"a":2}\n');
    expect(git('show', 'proposals/abc:b.json')).toBe('{}\n');
    expect(git('rev-parse', 'main').trim()).toBe(main);
    expect(repo.versionCount()).toBe(1);

    await expect(repo.exclusive(() => repo.commitToBranch('refs/heads/proposals/abc', null, request(main, {})))).rejects.toBeInstanceOf(RefMovedError);
    const second = await repo.exclusive(() => repo.commitToBranch('refs/heads/proposals/abc', first, request(first, {})));
    expect(git('rev-list', 'proposals/abc').trim().split('\n')).toEqual([second, first, main]);
    git('fsck', '--strict');

    await repo.exclusive(() => repo.commitToBranch('refs/heads/proposals/def', null, request(main, { 'b.json': null })));
    git('pack-refs', '--all');
    expect(await repo.branches('refs/heads/proposals/')).toEqual(['refs/heads/proposals/abc', 'refs/heads/proposals/def']);
  });

  it('never moves main', async () => {
    await expect(repo.exclusive(() => repo.commitToBranch('refs/heads/main', repo.head()!.oid, request(repo.head()!.oid, {})))).rejects.toThrow(
      /not a side branch/,
    );
  });
});
