import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { type DurabilityOptions, fsyncDirectory } from './durable-file.js';

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
      const loose = (await fsp.readFile(path.join(this.gitdir, ref), 'utf8')).trim();
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

  async listTags(): Promise<string[]> {
    return git.listTags({ fs, gitdir: this.gitdir });
  }

  async compareAndSwap(ref: string, expected: string | null, next: string): Promise<void> {
    const file = path.join(this.gitdir, ref);
    const lock = `${file}.lock`;
    await fsp.mkdir(path.dirname(file), { recursive: true });
    const handle = await this.acquire(ref, lock);
    let renamed = false;
    try {
      await handle.writeFile(`${next}\n`);
      if (this.durability.fsync) await handle.sync();
      await handle.close();
      const actual = await this.read(ref);
      if (actual !== expected) throw new RefMovedError(ref, expected, actual);
      await fsp.rename(lock, file);
      renamed = true;
      if (this.durability.fsync) await fsyncDirectory(path.dirname(file));
    } finally {
      await handle.close().catch(() => undefined);
      if (!renamed) await fsp.rm(lock, { force: true });
    }
  }

  private async acquire(ref: string, lock: string): Promise<fsp.FileHandle> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        return await fsp.open(lock, 'wx');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' || Date.now() > deadline) throw code === 'EEXIST' ? new RefLockedError(ref) : error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }
}
