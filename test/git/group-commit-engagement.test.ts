import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import type { IndexedCommit } from '../../src/git/commit-index.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import { type GitRepository, batchingWriteTasks } from '../../src/git/repository.js';
import { FileSteps } from '../support/file-steps.js';

/**
 * Group commit (maxCommitBatch > 0) engages per write task: a task batches its commits when writers wait behind it
 * or batches were written less than a second ago; otherwise it commits on its own, outside AsyncLocalStorage. What a
 * task answers with is on disk before it answers, whichever it did.
 */
describe('group commit engagement', () => {
  let root: string;
  let store: RepositoryStore;
  let repo: GitRepository;
  let files: FileSteps;
  let i = 0;

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-engagement-'));
    files = new FileSteps();
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: true, faults: files.faults }, { repackEvery: 0, maxCommitBatch: 8 });
    await store.init();
    repo = (await store.create('ns'))!;
  });
  afterEach(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', path.join(root, 'repos', 'ns.git'), ...args], { encoding: 'utf8' }).trim();
  const mainOnDisk = (): string => git('rev-parse', 'main');

  /** One commit on main's head (inside a write task). */
  const commit = (text = `{"i":${i}}`): Promise<IndexedCommit> => {
    i += 1;
    const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
    return repo.commit({
      parent: repo.head()?.oid ?? null,
      files: new Map([[`docs/${i % 5}.json`, Buffer.from(`${text}\n`)]]),
      author: sig,
      committer: sig,
      message: formatCommitMessage(`c${i}`, { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }),
    });
  };

  /** A write task that notes whether it ran as a batching task, then commits. */
  const task = async (seen: number[]): Promise<IndexedCommit> =>
    repo.exclusive(async () => {
      seen.push(batchingWriteTasks());
      return commit();
    });

  it('commits a lone writer on its own, batches writers that queue, and leaves no batching task behind', async () => {
    const alone: number[] = [];
    for (let k = 0; k < 4; k += 1) await task(alone);
    expect(alone).toEqual([0, 0, 0, 0]);

    const queued: number[] = [];
    const commits = await Promise.all(Array.from({ length: 12 }, () => task(queued)));
    // Each found writers behind it, or batches under way: all of them batched.
    expect(queued.every((n) => n > 0)).toBe(true);
    expect(batchingWriteTasks()).toBe(0);
    expect(mainOnDisk()).toBe(commits.at(-1)!.oid);

    // Batches ended less than a second ago: still engaged; more than a second: alone again.
    const soon: number[] = [];
    await task(soon);
    expect(soon[0]).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later: number[] = [];
    await task(later);
    expect(later).toEqual([0]);
    git('fsck', '--strict', '--no-progress');
  });

  it('answers a task that committed nothing only once the commits it saw are on disk', async () => {
    await task([]);
    // A batch under way when the second task starts: the first's commit is queued, not yet on disk.
    const first = task([]);
    // The second writer sees the first's commit (queued) and commits nothing: it answers with that commit.
    const head = await repo.exclusive(async () => repo.head()!.oid);
    expect(mainOnDisk()).toBe(head);
    expect((await first).oid).toBe(head);
  });

  it('holds one history import group at a time: imports back to back while a batch is written wait for it, never fail', async () => {
    await task([]);
    // A plain write first, batched (the imports wait behind it): the imports start while its batch is being written.
    const plain = task([]);
    const imports = Array.from({ length: 3 }, (_, k) =>
      repo.exclusive(() =>
        repo.batchCommits(async () => {
          for (let c = 0; c <= k; c += 1) await commit(`{"import":${k},"c":${c}}`);
          return repo.head()!.oid;
        }),
      ),
    );
    const heads = await Promise.all(imports);
    await plain;
    expect(heads.at(-1)).toBe(mainOnDisk());
    expect(git('rev-list', '--count', 'main')).toBe(String(1 + 1 + 1 + 2 + 3));
    git('fsck', '--strict', '--no-progress');
  });
});
