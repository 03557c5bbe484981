import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import type { GitRepository } from '../../src/git/repository.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import { foldPacks } from '../../src/git/pack-fold.js';
import { FileSteps } from '../support/file-steps.js';

/**
 * Batches' packs folded in process (pack-fold.ts): entries copied as stored into one pack that git itself reads
 * (verify-pack, fsck --strict), an object two batches both wrote kept once, and git's own packs (deltas) left to git.
 */
describe('folding batch packs', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const gitdirOf = (): string => path.join(root, 'repos', 'ns.git');
  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitdirOf(), ...args], { encoding: 'utf8' }).trim();
  const packs = (): string[] =>
    readdirSync(path.join(gitdirOf(), 'objects', 'pack'))
      .filter((f) => f.endsWith('.pack'))
      .map((f) => path.join(gitdirOf(), 'objects', 'pack', f));

  /** `tasks` write tasks of two commits each (one batch, one pack each); documents alternate between two texts. */
  async function batches(
    tasks: number,
    files = new FileSteps(),
    fsync = true,
    drainEach = false,
    maxFoldBytes?: number,
  ): Promise<{ store: RepositoryStore; repo: GitRepository }> {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-pack-fold-'));
    const store = new RepositoryStore(
      path.join(root, 'repos'),
      { fsync, faults: files.faults },
      { repackEvery: 0, maxCommitBatch: 32, ...(maxFoldBytes === undefined ? {} : { maxFoldBytes }) },
    );
    await store.init();
    const repo = (await store.create('ns'))!;
    let i = 0;
    for (let task = 0; task < tasks; task += 1) {
      await repo.exclusive(() =>
        repo.batchCommits(async () => {
          for (let k = 0; k < 2; k += 1, i += 1) {
            const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
            // The same two blobs again and again: later batches write objects earlier ones already hold.
            await repo.commit({
              parent: repo.head()?.oid ?? null,
              files: new Map([[`docs/${i % 3}.json`, Buffer.from(`{"v":${i % 2}}\n`)]]),
              author: sig,
              committer: sig,
              message: formatCommitMessage(`c${i}`, { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }),
            });
          }
        }),
      );
      // Each fold done before the next task: the packs counted are the ones on disk.
      if (drainEach) await repo.drain();
    }
    await repo.drain();
    return { store, repo };
  }

  it('folds 16 batch packs into one git reads, each object once, and every version stays readable after a restart', async () => {
    const files = new FileSteps();
    const { store, repo } = await batches(17, files);
    expect(repo.lastRepackError).toBeNull();
    // Cairn wrote 18 packs, one per batch and the fold (git did not fold them: it writes through no hook of ours).
    expect(files.steps.filter((s) => s.step === 'create' && s.file.endsWith('.pack'))).toHaveLength(18);
    // The 17th task found 16 packs and folded them, beside its own batch being written.
    expect(packs()).toHaveLength(2);
    for (const pack of packs()) execFileSync('git', ['verify-pack', pack.replace(/\.pack$/, '.idx')]);
    git('fsck', '--strict', '--no-dangling');
    const listed = git('cat-file', '--batch-all-objects', '--batch-check=%(objectname)').split('\n');
    expect(new Set(listed).size).toBe(listed.length);
    expect(git('rev-list', '--count', 'main')).toBe('34');
    await store.close();

    const reopened = new RepositoryStore(path.join(root, 'repos'), { fsync: true }, { repackEvery: 0, maxCommitBatch: 32 });
    await reopened.init();
    const again = (await reopened.get('ns'))!;
    for (const line of git('rev-list', 'main').split('\n')) {
      const tree = git('rev-parse', `${line}^{tree}`);
      for (const entry of git('ls-tree', '-r', tree).split('\n')) {
        const [meta, file] = entry.split('\t') as [string, string];
        expect(Buffer.from(await again.readBlob(meta.split(' ')[2]!)).toString()).toBe(git('show', `${line}:${file}`) + '\n');
      }
    }
    await reopened.close();
  });

  it("leaves the batches' packs to its own folds: git does not take them first", async () => {
    const files = new FileSteps();
    const { store } = await batches(40, files, false, true);
    // Two folds (after the 16th and 32nd batches), merged into one (the second is as large as the first), and the
    // 8 batches since; git's fold would have left one or two.
    expect(packs()).toHaveLength(9);
    expect(files.steps.filter((s) => s.step === 'create' && s.file.endsWith('.pack'))).toHaveLength(40 + 2 + 1);
    await store.close();
  });

  it('leaves to git batch packs too large to fold on the event loop, and git folds them', async () => {
    const files = new FileSteps();
    // Each batch's pack is a few hundred bytes: sixteen of them are over this bound.
    const { store, repo } = await batches(34, files, false, true, 2_000);
    expect(repo.lastRepackError).toBeNull();
    // Only the batches' own packs were written by Cairn: no fold of ours.
    expect(files.steps.filter((s) => s.step === 'create' && s.file.endsWith('.pack'))).toHaveLength(34);
    // git's repack (--geometric, in the write lock) took them at the 17th and 34th tasks, which found 16 waiting.
    expect(packs().length).toBeLessThanOrEqual(3);
    git('fsck', '--strict', '--no-dangling');
    expect(git('rev-list', '--count', 'main')).toBe('68');
    await store.close();
  });

  it("keeps its folds' packs few, merging them geometrically: packs never pile up", async () => {
    const { store, repo } = await batches(16 * 18, new FileSteps(), false, true);
    expect(repo.lastRepackError).toBeNull();
    // At most the 16 batches' packs waiting for a fold, and a logarithmic number of folded ones (18 folds here).
    expect(packs().length).toBeLessThanOrEqual(16 + Math.ceil(Math.log2(18)));
    git('fsck', '--strict', '--no-dangling');
    expect(git('rev-list', '--count', 'main')).toBe(String(2 * 16 * 18));
    await store.close();
  });

  it('reads on past a listed pack that is gone before it is opened (folded away, or an index without its pack)', async () => {
    const { store } = await batches(3);
    const blob = git('rev-parse', 'main:docs/0.json');
    await store.close();
    // A .pack whose .idx is gone: what a reader that listed the packs finds while a fold removes them.
    writeFileSync(path.join(gitdirOf(), 'objects', 'pack', `pack-${'0'.repeat(40)}.pack`), 'PACK');
    const reopened = new RepositoryStore(path.join(root, 'repos'), { fsync: true }, { repackEvery: 0, maxCommitBatch: 32 });
    await reopened.init();
    const repo = (await reopened.get('ns'))!;
    expect(Buffer.from(await repo.readBlob(blob)).toString()).toBe(git('cat-file', '-p', blob) + '\n');
    await reopened.close();
  });

  it("removes at start an index whose pack is gone (a crash between a pack's two renames or removals)", async () => {
    const { store } = await batches(3);
    await store.close();
    const packDir = path.join(gitdirOf(), 'objects', 'pack');
    const [kept] = packs();
    const orphan = path.join(packDir, `pack-${'1'.repeat(40)}.idx`);
    copyFileSync(kept!.replace(/\.pack$/, '.idx'), orphan);
    expect(git('count-objects', '-v')).toMatch(/^garbage: 1$/m);
    const reopened = new RepositoryStore(path.join(root, 'repos'), { fsync: true }, { repackEvery: 0, maxCommitBatch: 32 });
    await reopened.init();
    await reopened.get('ns');
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(kept!.replace(/\.pack$/, '.idx'))).toBe(true);
    expect(git('count-objects', '-v')).toMatch(/^garbage: 0$/m);
    git('fsck', '--strict', '--no-dangling');
    await reopened.close();
  });

  it("leaves git's own packs (deltas) to git", async () => {
    const { store } = await batches(3);
    await store.close();
    git('repack', '-a', '-d', '-f', '-q', '--depth=10', '--window=10');
    const [packed] = packs();
    // Similar blobs of one pack: git stores some as deltas, which only git folds.
    expect(git('verify-pack', '-v', packed!.replace(/\.pack$/, '.idx'))).toMatch(/chain length = 1/);
    expect(await foldPacks(packs())).toBeNull();
  });
});
