import { type Stats, existsSync, promises as fsp, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type DurabilityOptions, fsyncDirectory, tempNameFor, writeThenRename } from './durable-file.js';

const LOOSE_OBJECT = /[/\\]objects[/\\][0-9a-f]{2}[/\\][0-9a-f]{38}$/;
/** Tries at writing a loose object whose fan-out directory a concurrent packer keeps removing. */
const DIRECTORY_ATTEMPTS = 3;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Thrown without a stack: isomorphic-git probes for loose objects that are usually packed, thousands of times. */
const missing = Object.assign(Object.create(Error.prototype) as Error, { code: 'ENOENT', message: 'ENOENT: no such loose object' });

/**
 * The file system isomorphic-git reads and writes objects through. It answers the two questions isomorphic-git asks on every
 * object read with less work: "is there a loose object file?" (a stat instead of a failed open that builds an error
 * with a stack trace) and "which packs are there?" (a listing cached until `packsChanged`). Profiling a 10k-commit
 * index build showed a third of the time in exactly those two calls.
 */
export class ObjectFs {
  private packListing: Promise<string[]> | null = null;
  private readonly knownDirs = new Set<string>();
  private gitdirStat: Promise<Stats> | null = null;
  /** Object directories renamed into since the last `syncDirectories`: fsynced once per batch, not per object. */
  private readonly unsyncedDirs = new Set<string>();

  constructor(
    private readonly gitdir: string,
    private readonly durability: DurabilityOptions,
  ) {}

  /** Makes the renames of the objects written so far durable (no-op without fsync). Call before moving a ref. */
  async syncDirectories(): Promise<void> {
    const dirs = [...this.unsyncedDirs];
    this.unsyncedDirs.clear();
    if (!this.durability.fsync) return;
    await Promise.all(
      dirs.map((dir) =>
        fsyncDirectory(dir, this.durability.faults).catch((error: unknown) => {
          // Removed by a packer since (see writeFile): only emptied directories go, their objects are in a pack.
          if (!isMissing(error)) throw error;
          this.knownDirs.delete(dir);
        }),
      ),
    );
  }

  private ensureDirectory(dir: string): void {
    if (this.knownDirs.has(dir)) return;
    // A new objects/xx directory is itself an entry of objects/: that entry must reach the disk too.
    if (mkdirSync(dir, { recursive: true }) !== undefined) this.unsyncedDirs.add(path.dirname(dir));
    this.knownDirs.add(dir);
  }

  /** Forget the cached pack listing (after `git gc`/`repack`, or when an object was not found). */
  packsChanged(): void {
    this.packListing = null;
  }

  readonly promises = {
    readFile: (file: string, options?: unknown): Promise<Buffer | string> => {
      // isomorphic-git calls readFile() with no path on every API call, only to see that it returns a promise.
      if (typeof file !== 'string' || (LOOSE_OBJECT.test(file) && !existsSync(file))) return Promise.reject(missing);
      return fsp.readFile(file, options as undefined) as Promise<Buffer | string>;
    },
    readdir: (dir: string, options?: unknown): Promise<string[]> => {
      if (path.resolve(dir) === path.join(this.gitdir, 'objects', 'pack')) {
        this.packListing ??= fsp.readdir(dir).catch((error: NodeJS.ErrnoException) => {
          this.packListing = null;
          if (error.code === 'ENOENT') return [];
          throw error;
        });
        return this.packListing;
      }
      return fsp.readdir(dir, options as undefined) as Promise<string[]>;
    },
    // isomorphic-git writes a loose object in place; a crash mid-write would leave a truncated object that later
    // writes skip as "existing". Git itself writes a temp file and renames it: so do we, with fsync when asked.
    writeFile: async (file: string, data: Uint8Array | string, options?: unknown): Promise<void> => {
      if (!LOOSE_OBJECT.test(file)) return fsp.writeFile(file, data, options as undefined);
      const dir = path.dirname(file);
      for (let attempt = 1; ; attempt += 1) {
        this.ensureDirectory(dir);
        try {
          await writeThenRename(tempNameFor(file), file, data, this.durability, false);
          break;
        } catch (error) {
          // `git gc` or `git repack` run beside Cairn packs loose objects and removes the fan-out directories it
          // emptied (prune-packed), which this cache still took for present: make the directory again, as git's
          // own writers do.
          if (!isMissing(error) || attempt === DIRECTORY_ATTEMPTS) throw error;
          this.knownDirs.delete(dir);
        }
      }
      this.unsyncedDirs.add(dir);
    },
    mkdir: fsp.mkdir,
    rmdir: fsp.rmdir,
    unlink: fsp.unlink,
    stat: (file: string, options?: unknown) => {
      if (LOOSE_OBJECT.test(file) && !existsSync(file)) return Promise.reject(missing);
      // Every isomorphic-git call first stats the gitdir to see whether it is a `.git` file: it never changes.
      if (file === this.gitdir) return (this.gitdirStat ??= fsp.stat(file));
      return fsp.stat(file, options as undefined);
    },
    lstat: fsp.lstat,
    readlink: fsp.readlink,
    symlink: fsp.symlink,
    rm: fsp.rm,
  };
}
