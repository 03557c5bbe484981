import fs, { promises as fsp } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import git from 'isomorphic-git';
import { type DurabilityOptions, fsyncDirectory } from './durable-file.js';
import type { HousekeepingOptions } from './housekeeping.js';
import type { GitRemote } from './remote.js';
import { type RefSnapshot, restoreBundle } from './repository-bundle.js';
import { type AppendListener, GitRepository, type RefMoveListener } from './repository.js';

const SUFFIX = '.git';

/**
 * Cairn's own repository (webhook definitions): `<dataDir>/.cairn.git`. Namespace names cannot start with a dot,
 * so it never collides with one and is never listed as one.
 */
export const SYSTEM_REPOSITORY = '.cairn';

/**
 * The data directory: one bare repository per namespace, `<dataDir>/<namespace>.git`. Names reach this layer
 * validated, and every path is checked to stay inside the data directory anyway.
 */
export class RepositoryStore {
  private readonly open = new Map<string, Promise<GitRepository>>();
  /** The last listing, and the data directory's mtime it was read at. */
  private listed: { readonly changed: number; readonly names: readonly string[] } | null = null;
  /** The repositories whose opening finished (index loaded), for synchronous looks such as metrics. */
  private readonly loaded = new Map<string, GitRepository>();
  private readonly appendListeners: AppendListener[] = [];
  private readonly refMoveListeners: RefMoveListener[] = [];
  private systemRepository: Promise<GitRepository> | null = null;

  constructor(
    readonly dataDir: string,
    private readonly durability: DurabilityOptions,
    private readonly housekeeping: HousekeepingOptions = { repackEvery: 0 },
    /** The shared remote every repository pushes to and pulls from; null: this process alone owns its repositories. */
    readonly remote: GitRemote | null = null,
  ) {}

  /** Tells `listener` of every commit appended to any repository, opened now or later. */
  onAppend(listener: AppendListener): void {
    this.appendListeners.push(listener);
  }

  /** Tells `listener` of every move of a shared side ref (a release branch, a change request, a tag) in any repository. */
  onRefMove(listener: RefMoveListener): void {
    this.refMoveListeners.push(listener);
  }

  async init(): Promise<void> {
    await fsp.mkdir(this.dataDir, { recursive: true });
    const leftovers = (await fsp.readdir(this.dataDir)).filter((n) => n.startsWith('.tmp-'));
    await Promise.all(leftovers.map((n) => fsp.rm(path.join(this.dataDir, n), { recursive: true, force: true })));
  }

  /**
   * The namespaces, by name. Read from the data directory only when it changed: a repository appears (created here,
   * by another replica's announcement, or by hand) or goes by an entry added or removed there, which moves the
   * directory's mtime; otherwise a page of the namespace list costs one stat, not a read of the directory and a
   * check of every repository in it.
   */
  async list(): Promise<string[]> {
    const changed = (await fsp.stat(this.dataDir)).mtimeMs;
    if (this.listed?.changed === changed) return [...this.listed.names];
    const entries = await fsp.readdir(this.dataDir, { withFileTypes: true });
    const names = entries.filter((e) => e.isDirectory() && e.name.endsWith(SUFFIX) && !e.name.startsWith('.')).map((e) => e.name.slice(0, -SUFFIX.length));
    const valid = await Promise.all(names.map(async (n) => ((await this.exists(n)) ? n : null)));
    const sorted = valid.filter((n): n is string => n !== null).sort();
    this.listed = { changed, names: sorted };
    return [...sorted];
  }

  async exists(name: string): Promise<boolean> {
    try {
      await fsp.access(path.join(this.gitdirOf(name), 'HEAD'));
      return true;
    } catch {
      return false;
    }
  }

  /** The repository of `name`, or null when there is none. Opened once and kept for the life of the process. */
  async get(name: string): Promise<GitRepository | null> {
    const cached = this.open.get(name);
    if (cached) return cached;
    if (!(await this.exists(name))) return null;
    // Another caller may have opened it while this one checked the disk: one instance per repository.
    return this.open.get(name) ?? this.remember(name);
  }

  /**
   * Creates the bare repository in a temp directory and renames it into place, so it appears whole or not at all.
   * Null when it exists already, here or (with a remote) on the remote, in which case the local clone is made.
   */
  async create(name: string): Promise<GitRepository | null> {
    if (this.remote && (await this.remote.heads()).has(name)) {
      await this.adopt(name);
      return null;
    }
    return this.createLocal(name);
  }

  /**
   * Like `get`, but with a remote a namespace this replica has not heard of yet is looked up there (and cloned):
   * a client that created it on another replica a moment ago must not be told it does not exist.
   */
  async find(name: string): Promise<GitRepository | null> {
    const local = await this.get(name);
    if (local || !this.remote) return local;
    return (await this.remote.head(this.remote.refOf(name))) ? this.adopt(name) : null;
  }

  /** The repository of a namespace known to exist on the remote: opened (and so pulled), cloned first if new here. */
  async adopt(name: string): Promise<GitRepository> {
    return (await this.get(name)) ?? (await this.createLocal(name)) ?? (await this.get(name))!;
  }

  private async createLocal(name: string): Promise<GitRepository | null> {
    const gitdir = this.gitdirOf(name);
    // Its own temp directory: two creations in the same millisecond (an announcement and a request adopting the same
    // namespace) must not init one directory and race to rename it.
    const temp = path.join(this.dataDir, `.tmp-${name}-${process.pid}-${randomUUID()}`);
    await git.init({ fs, gitdir: temp, bare: true, defaultBranch: 'main' });
    try {
      await fsp.rename(temp, gitdir);
      // Whatever the file system's mtime granularity: a namespace created here is listed at once.
      this.listed = null;
    } catch (error) {
      await fsp.rm(temp, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || code === 'ENOTEMPTY') return null;
      throw error;
    }
    return this.remember(name);
  }

  /**
   * Recreates the repository `name` (a namespace, or SYSTEM_REPOSITORY) from a backup's bundle with exactly `refs`,
   * in a temp directory renamed into place: it appears whole or not at all, and one that exists is never touched.
   * Only Git's own files are written; the commit index and other caches are rebuilt when a server opens it.
   */
  async restore(name: string, bundleFile: string, refs: RefSnapshot): Promise<void> {
    const gitdir = this.gitdirOf(name);
    if (await this.exists(name)) throw new Error(`repository ${name} exists already: a restore never overwrites one`);
    const temp = path.join(this.dataDir, `.tmp-restore-${process.pid}-${randomUUID()}`);
    try {
      await git.init({ fs, gitdir: temp, bare: true, defaultBranch: 'main' });
      await restoreBundle(temp, bundleFile, refs);
      await fsp.rename(temp, gitdir);
    } catch (error) {
      await fsp.rm(temp, { recursive: true, force: true });
      throw error;
    }
    if (this.durability.fsync) await fsyncDirectory(this.dataDir, this.durability.faults);
    this.listed = null;
  }

  /** Closes every open repository once its queued writes are done (shutdown). */
  async close(): Promise<void> {
    await Promise.all((await this.opened()).map((repo) => repo.close()));
  }

  /** The system repository if it was ever created (a data directory without webhooks has none). */
  async systemIfExists(): Promise<GitRepository | null> {
    if (this.systemRepository) return this.systemRepository;
    return (await this.exists(SYSTEM_REPOSITORY)) ? this.system() : null;
  }

  /** The system repository, created on first use. */
  system(): Promise<GitRepository> {
    // Memoized: two concurrent first calls must not both create it (and open it twice, with two writers).
    this.systemRepository ??= (async () =>
      (await this.get(SYSTEM_REPOSITORY)) ?? (await this.createLocal(SYSTEM_REPOSITORY)) ?? (await this.get(SYSTEM_REPOSITORY))!)();
    this.systemRepository.catch(() => {
      this.systemRepository = null;
    });
    return this.systemRepository;
  }

  /** Commits in main's index per namespace whose repository is open (the system repository aside). */
  indexSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const [name, repo] of this.loaded) if (name !== SYSTEM_REPOSITORY) sizes.set(name, repo.versionCount());
    return sizes;
  }

  /** Every open repository (graceful shutdown drains their writers). */
  async opened(): Promise<GitRepository[]> {
    return Promise.all(this.open.values());
  }

  private remember(name: string): Promise<GitRepository> {
    const upstream = this.remote ? { remote: this.remote, ref: this.remote.refOf(name) } : null;
    const opening = GitRepository.open(name, this.gitdirOf(name), this.durability, this.housekeeping, upstream, {
      onAppend: (...args) => {
        for (const listener of this.appendListeners) listener(...args);
      },
      onRefMove: (...args) => {
        for (const listener of this.refMoveListeners) listener(...args);
      },
    });
    this.open.set(name, opening);
    opening.then(
      (repo) => this.loaded.set(name, repo),
      () => this.open.delete(name),
    );
    return opening;
  }

  private gitdirOf(name: string): string {
    const gitdir = path.resolve(this.dataDir, `${name}${SUFFIX}`);
    if (path.dirname(gitdir) !== path.resolve(this.dataDir)) throw new Error(`namespace path escapes the data directory: ${name}`);
    return gitdir;
  }
}
