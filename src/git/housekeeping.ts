import { runGit } from './git-command.js';

export interface HousekeepingOptions {
  /** Pack loose objects after every this many commits of a namespace; 0 turns it off. @default 0 */
  readonly repackEvery: number;
  /**
   * Group commit: most commits of main one batch (one pack, one ref move, one round of fsyncs) may hold; 0 writes
   * each commit on its own. Namespaces with an upstream always do: each commit is pushed first. @default 0
   */
  readonly maxCommitBatch?: number;
  /**
   * The most pack bytes Cairn folds (or merges) itself, on the event loop; more are left to `git repack` in its own
   * process. Not a setting: tests lower it. @default 16 MiB
   */
  readonly maxFoldBytes?: number;
}

/**
 * Packs loose objects with the git CLI (`git repack -d`): thousands of small files become one pack, which reads
 * and backs up better. Optional and off by default; it runs inside the namespace's write lock, so never during a
 * write. Reads carry on meanwhile: an object moved into the new pack is found once the reader refreshes its packs.
 */
export async function repack(gitdir: string, foldPacks = false): Promise<void> {
  // A replica gathers one small pack per pull: --geometric folds the small ones without rewriting the big one.
  await runGit(['--git-dir', gitdir, 'repack', ...(foldPacks ? ['--geometric=2'] : []), '-d', '-q'], { timeoutMs: 300_000 });
}
