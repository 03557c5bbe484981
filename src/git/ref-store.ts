import fs, { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { type DurabilityOptions, fsyncDirectory, writeNewFile } from './durable-file.js';

export const MAIN_REF = 'refs/heads/main';

export class RefMovedError extends Error {
  readonly code = 'REF_MOVED';
  constructor(
    readonly ref: string,
    readonly expected: string | null,
    readonly actual: string | null,
  ) {
    super(`${ref} moved: expected ${expected ?? 'none'}, found ${actual ?? 'none'}`);
  }
}

export class RefLockedError extends Error {
  readonly code = 'REF_LOCKED';
  constructor(readonly ref: string) {
    super(`${ref} is locked by another writer`);
  }
}

const LOCK_WAIT_MS = 2000;

export interface RefUpdate {
  /**
   * Moves the ref if it still points at `expected` (null: does not exist); throws RefMovedError otherwise.
   * Resolves once the ref is visible, with `durable`, which settles once the move is on disk.
   */
  commit(expected: string | null): Promise<{ durable: Promise<void> }>;
  release(): void;
}

/**
 * Refs of one bare repository. isomorphic-git neither locks a ref nor checks its old value, so concurrent writers
 * silently lose commits; updates here follow git's own protocol instead: create `<ref>.lock` exclusively (which
 * also keeps a concurrent `git` CLI out), check the old value, write, rename the lock onto the ref.
 */
export class RefStore {
  constructor(
    readonly gitdir: string,
    private readonly durability: DurabilityOptions,
  ) {}

  async read(ref: string): Promise<string | null> {
    // The loose ref is what Cairn writes and what git updates first: one read. packed-refs and symbolic refs
    // (after `git gc`, or HEAD) go through isomorphic-git.
    try {
      const loose = readFileSync(path.join(this.gitdir, ref), 'utf8').trim();
      if (/^[0-9a-f]{40}$/.test(loose)) return loose;
    } catch {
      // not a loose ref
    }
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref });
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'NotFoundError') return null;
      throw error;
    }
  }

  /** Refs under `prefix` (loose and packed), as full names, sorted. */
  async list(prefix: string): Promise<string[]> {
    const dir = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    const names = await git.listRefs({ fs, gitdir: this.gitdir, filepath: dir });
    // packed-refs (after `git pack-refs` or `git gc`) carries each annotated tag's peeled value as `<tag>^{}`, which
    // isomorphic-git lists like a ref: it is no ref.
    return names
      .filter((name) => !name.endsWith('.lock') && !name.endsWith('^{}'))
      .map((name) => `${dir}/${name}`)
      .sort();
  }

  async compareAndSwap(ref: string, expected: string | null, next: string): Promise<void> {
    const update = await this.lock(ref, next);
    await (
      await update.commit(expected)
    ).durable;
  }

  /** Deletes `ref` if it still points at `expected`, under its lock; a ref already gone is left alone. */
  async remove(ref: string, expected: string): Promise<void> {
    const update = await this.lock(ref, expected);
    try {
      const actual = await this.read(ref);
      if (actual === null) return;
      if (actual !== expected) throw new RefMovedError(ref, expected, actual);
      // isomorphic-git removes the loose file and any packed-refs entry.
      await git.deleteRef({ fs, gitdir: this.gitdir, ref });
      if (this.durability.fsync) await fsyncDirectory(path.dirname(path.join(this.gitdir, ref)), this.durability.faults);
    } finally {
      update.release();
    }
  }

  /**
   * Takes the ref's lock with the new value already written into it. `commit` then checks the old value and
   * renames the lock onto the ref; `release` gives up. Taking the lock early lets a writer create the lock file
   * while its objects are still being written.
   */
  async lock(ref: string, next: string): Promise<RefUpdate> {
    const file = path.join(this.gitdir, ref);
    const lockFile = `${file}.lock`;
    mkdirSync(path.dirname(file), { recursive: true });
    await this.acquire(ref, lockFile, `${next}\n`);
    let done = false;
    return {
      commit: async (expected) => {
        if (done) throw new Error(`${ref}: update already finished`);
        done = true;
        try {
          const actual = await this.read(ref);
          if (actual !== expected) throw new RefMovedError(ref, expected, actual);
          this.durability.faults?.('rename', file);
          renameSync(lockFile, file);
        } catch (error) {
          rmSync(lockFile, { force: true });
          throw error;
        }
        return { durable: this.durability.fsync ? fsyncDirectory(path.dirname(file), this.durability.faults) : Promise.resolve() };
      },
      release: () => {
        if (done) return;
        done = true;
        rmSync(lockFile, { force: true });
      },
    };
  }

  /** Creates the lock file with the new value in it (exclusively: this is the lock), waiting a little if taken. */
  private async acquire(ref: string, lock: string, content: string): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await writeNewFile(lock, content, this.durability.fsync, 0o644, this.durability.faults);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' || Date.now() > deadline) throw code === 'EEXIST' ? new RefLockedError(ref) : error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
}
