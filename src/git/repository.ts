import { AsyncLocalStorage } from 'node:async_hooks';
import fs, { type Dirent, promises as fsp } from 'node:fs';
import git from 'isomorphic-git';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { parseCommitMessage } from '../domain/commit-message.js';
import { CommitBatch, type QueuedCommit } from './commit-batch.js';
import { CommitIndex, type IndexedCommit } from './commit-index.js';
import { type HousekeepingOptions, repack } from './housekeeping.js';
import { IndexFile } from './index-file.js';
import { type IntegrityReport, verifyIntegrity } from './integrity.js';
import type { DurabilityOptions } from './durable-file.js';
import type { EncodedObject, Signature } from './object-format.js';
import { ObjectStore, type StoredCommit, type StoredPack } from './object-store.js';
import { INCOMING_PREFIX } from './pack-store.js';
import { RefResolver } from './ref-resolver.js';
import { type RefSnapshot, writeBundle } from './repository-bundle.js';
import { type GitRemote, RemoteMovedError, RemoteUnavailableError } from './remote.js';
import { MAIN_REF, RefMovedError, RefStore } from './ref-store.js';
import { type BlobChanges, buildTree } from './tree-builder.js';
import { type StoredTag, TagExistsInRepositoryError, TagStore } from './tag-store.js';
import { type PathChange, diffTrees } from './tree-diff.js';
import { type BlobAtPath, TreeReader } from './tree-reader.js';
import { VisibleIndex } from './visible-index.js';
import { WriteLock } from './write-lock.js';

/** A commit of a side branch as `branchLog` reads it: everything an IndexedCommit has but its place in main and its changes. */
export type LoggedCommit = Omit<IndexedCommit, 'seq' | 'changes'>;

export interface CommitRequest {
  /** The head the change was computed against; the ref only moves if it still points there. */
  readonly parent: string | null;
  /** New content per path (raw, or a blob already encoded by `encodeBlob`), or null to delete the path. */
  readonly files: ReadonlyMap<string, Uint8Array | EncodedObject | null>;
  /** A second parent, the commit this one brings in (a release's version of main); the tree is still `parent`'s with `files` applied. */
  readonly merged?: string | null;
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

/** Where a repository's history is shared with other replicas: a branch of the common remote. */
export interface Upstream {
  readonly remote: GitRemote;
  readonly ref: string;
}

/** Why the index grew: this process committed, or it learnt of commits made elsewhere (a pull, the git CLI). */
export type AppendOrigin = 'commit' | 'sync';
export type AppendListener = (repo: GitRepository, commits: readonly IndexedCommit[], origin: AppendOrigin) => void;

/** A side ref (a release branch, a change request, a tag) moved to `oid`, or was deleted (null). */
export type RefMoveListener = (repo: GitRepository, ref: string, oid: string | null, origin: AppendOrigin) => void;

/** What a repository tells as it changes: main's new commits, and its other shared refs' moves. */
export interface RepositoryListeners {
  readonly onAppend: AppendListener;
  readonly onRefMove: RefMoveListener;
}

export class DivergedHistoryError extends Error {
  constructor(name: string, local: string, remote: string) {
    super(`namespace ${name}: local main ${local} is not an ancestor of the remote's ${remote}; resolve by hand`);
  }
}

/** One namespace: a bare repository with its object store, refs, commit index and serialized writer. */
export class GitRepository {
  private readonly objects: ObjectStore;
  private readonly refs: RefStore;
  private readonly trees: TreeReader;
  private readonly index = new CommitIndex();
  /** Main as readers see it: batched commits only once durable; the running write task sees them all. */
  private readonly view = new VisibleIndex(this.index, () => this.visibleSize());
  /** Main's commits on disk, while batches are under way (see `visibleSize`). */
  private durableSize = 0;
  private readonly resolver: RefResolver;
  private readonly tags: TagStore;
  private readonly lock = new WriteLock();
  /** Catch-ups of the index run one at a time; commits append to it directly, idempotently. */
  private readonly indexLock = new WriteLock();
  private readonly indexFile: IndexFile;
  /** Directory fsyncs of ref moves made by the running task, awaited after the write lock is released. */
  private readonly pendingDurability: Promise<void>[] = [];
  /** Main's batches of commits (null with an upstream, where each commit is pushed on its own). */
  private readonly batch: CommitBatch | null;
  /** Group commit is on: commits of main go through `batch` while writers queue (see `exclusive`). */
  private readonly groupCommit: boolean;
  /** The running write task batches its commits (group commit engaged for it: see `exclusive`). */
  private batching = false;
  /** A task of `batchCommits` is under way: its commits go through `batch` whatever `groupCommit` says. */
  private holding = false;
  /**
   * Packs for git to fold, made since the packs were last counted: one per fold of ours, or the batches' packs a
   * fold of ours could not take (many small packs slow every read).
   */
  private packsWritten = 0;
  /** The packs of batches not folded yet (see foldBatchPacks). */
  private batchPacks: StoredPack[] = [];
  /** The packs our folds made, oldest first, with their sizes (see foldGeometrically). */
  private foldedPacks: StoredPack[] = [];
  /** A fold of batches' packs under way (see foldBatchPacks), and how many packs it folds. */
  private folding: Promise<void> | null = null;
  private packsFolding = 0;
  /** Batch failures when the running task started: what it saw of a failed batch must not reach a side ref. */
  private failuresAtTaskStart = 0;
  /** The last housekeeping failure, for operators (the writes that triggered it succeeded). */
  lastRepackError: Error | null = null;
  /** Told of every commit appended after opening, in order (the change feed, webhooks, other replicas), and of side refs' moves. */
  private listeners: RepositoryListeners | null = null;

  private constructor(
    readonly name: string,
    readonly gitdir: string,
    private readonly durability: DurabilityOptions,
    private readonly housekeeping: HousekeepingOptions,
    readonly upstream: Upstream | null,
  ) {
    this.objects = new ObjectStore(gitdir, durability);
    this.refs = new RefStore(gitdir, durability);
    this.trees = new TreeReader(this.objects);
    this.resolver = new RefResolver(this.objects, this.refs, this.view);
    this.tags = new TagStore(gitdir, this.objects, this.refs);
    this.indexFile = new IndexFile(gitdir);
    const maxBatch = housekeeping.maxCommitBatch ?? 0;
    this.groupCommit = maxBatch > 0 && !upstream;
    this.batch = upstream ? null : new CommitBatch(Math.max(1, maxBatch), { store: (b) => this.storeBatch(b), drop: (b) => this.dropBatch(b) });
  }

  static async open(
    name: string,
    gitdir: string,
    durability: DurabilityOptions,
    housekeeping: HousekeepingOptions = { repackEvery: 0 },
    upstream: Upstream | null = null,
    listeners: RepositoryListeners | null = null,
  ): Promise<GitRepository> {
    const repo = new GitRepository(name, gitdir, durability, housekeeping, upstream);
    await removeStaleFiles(gitdir);
    const saved = await repo.indexFile.load((line, record) => repo.index.appendEncoded(line, record));
    const { rebuilt } = await repo.catchUp();
    if (saved.damaged && !rebuilt) await repo.indexFile.rewrite(repo.index.linesFrom(0));
    // History already on disk is not news; what the remote adds from here on is.
    repo.listeners = listeners;
    if (upstream) {
      // An unreachable remote must not keep a replica from serving what it has: the next pull catches up.
      await repo
        .exclusive(() => repo.pull())
        .catch((error: unknown) => {
          if (!(error instanceof RemoteUnavailableError)) throw error;
        });
    }
    return repo;
  }

  /** Catches the index up with the ref on disk (commits made by the git CLI, another process, a restart). */
  async syncIndex(): Promise<IndexedCommit[]> {
    const { appended } = await this.catchUp();
    if (appended.length) this.listeners?.onAppend(this, appended, 'sync');
    return appended;
  }

  /**
   * Brings main up to the remote's branch: fetches it and moves main forward, then catches the index up; the
   * namespace's other shared refs (release branches, change requests, tags) come along in the same fetch and take
   * the remote's values. A local history the remote lacks entirely (a data directory older than the remote) is
   * pushed instead. Without an upstream it only catches up with the disk. The caller holds `exclusive`.
   */
  async pull(): Promise<IndexedCommit[]> {
    const upstream = this.upstream;
    if (!upstream) return this.syncIndex();
    const advertised = await upstream.remote.listRefs();
    const remoteHead = advertised.get(upstream.ref) ?? null;
    const local = await this.refs.read(MAIN_REF);
    const remoteSides = this.sideRefsIn(advertised);
    const localSides = await this.sharedSideRefs();
    const wanted = [...(remoteHead !== null && remoteHead !== local ? [remoteHead] : []), ...(await this.missing(remoteSides, localSides))];
    const haves = [...new Set([...(local ? [local] : []), ...localSides.values()])];
    await upstream.remote.fetchObjects(this.gitdir, [...new Set(wanted)], haves, this.durability.fsync);
    if (wanted.length) await this.objects.packsChanged();
    if (remoteHead === null) {
      if (local !== null) {
        // A data directory older than the remote: its side refs first, main last. Until main is there the remote
        // has not heard of the namespace, so a pull interrupted half way pushes the rest instead of deleting it.
        for (const [ref, oid] of localSides) if (remoteSides.get(ref) !== oid) await upstream.remote.pushHistory(this.gitdir, ref, this.remoteRefOf(ref)!);
        await upstream.remote.pushHistory(this.gitdir, MAIN_REF, upstream.ref);
      }
      return this.syncIndex();
    } else if (remoteHead !== local) {
      if (local === null || (await isAncestor(this.gitdir, local, remoteHead))) {
        await this.refs.compareAndSwap(MAIN_REF, local, remoteHead);
      } else if (await isAncestor(this.gitdir, remoteHead, local)) {
        // The remote is behind this clone (restored from a backup, say): give it back what it lost.
        await upstream.remote.pushHistory(this.gitdir, MAIN_REF, upstream.ref);
      } else {
        throw new DivergedHistoryError(this.name, local, remoteHead);
      }
    }
    const appended = await this.syncIndex();
    await this.followSideRefs(remoteSides, localSides);
    return appended;
  }

  /**
   * Side refs take the remote's values: it is where every replica moves them first. A branch the remote has an
   * older value of (a remote restored from a backup) gets this clone's back, as main does; a branch only this clone
   * has (made before the remote was shared) is pushed: Cairn never deletes branches. A tag only this clone has was
   * deleted on another replica: tags are created on the remote first.
   */
  private async followSideRefs(remote: ReadonlyMap<string, string>, local: ReadonlyMap<string, string>): Promise<void> {
    for (const [ref, oid] of remote) {
      const mine = local.get(ref) ?? null;
      if (mine === oid) continue;
      // The usual case, the remote ahead of this clone, is told first and in a few steps: the walk starts at its tip.
      const behind =
        mine !== null && ref.startsWith('refs/heads/') && !(await isAncestor(this.gitdir, mine, oid)) && (await isAncestor(this.gitdir, oid, mine));
      if (behind) {
        await this.upstream!.remote.pushHistory(this.gitdir, ref, this.remoteRefOf(ref)!);
        continue;
      }
      await this.refs.compareAndSwap(ref, mine, oid);
      this.listeners?.onRefMove(this, ref, oid, 'sync');
    }
    for (const [ref, oid] of local) {
      if (remote.has(ref)) continue;
      if (ref.startsWith(TAG_PREFIX)) {
        await this.refs.remove(ref, oid);
        this.listeners?.onRefMove(this, ref, null, 'sync');
      } else {
        await this.upstream!.remote.pushHistory(this.gitdir, ref, this.remoteRefOf(ref)!);
      }
    }
  }

  /** The remote's values of this namespace's shared side refs, by local ref name. */
  private sideRefsIn(advertised: ReadonlyMap<string, string>): Map<string, string> {
    const prefix = this.upstream?.remote.sideRefPrefix(this.name);
    const sides = new Map<string, string>();
    if (!prefix) return sides;
    for (const [ref, oid] of advertised) {
      const local = ref.startsWith(prefix) ? ref.slice(prefix.length) : null;
      if (local && isSharedSideRef(local)) sides.set(local, oid);
    }
    return sides;
  }

  /** This clone's shared side refs (branches other than main, tags), by ref name. */
  async sharedSideRefs(): Promise<Map<string, string>> {
    if (!this.upstream?.remote.sideRefPrefix(this.name)) return new Map();
    const names = [...(await this.refs.list('refs/heads/')), ...(await this.refs.list(TAG_PREFIX))].filter(isSharedSideRef);
    const values = await Promise.all(names.map(async (ref) => [ref, await this.refs.read(ref)] as const));
    return new Map(values.filter((entry): entry is readonly [string, string] => entry[1] !== null));
  }

  /** Remote side ref values whose objects this clone lacks. */
  private async missing(remote: ReadonlyMap<string, string>, local: ReadonlyMap<string, string>): Promise<string[]> {
    const differing = [...remote].filter(([ref, oid]) => local.get(ref) !== oid).map(([, oid]) => oid);
    const absent = await Promise.all(differing.map(async (oid) => ((await this.objects.typeOf(oid)) === null ? oid : null)));
    return absent.filter((oid): oid is string => oid !== null);
  }

  /** Where a side ref of this namespace lives on the remote; null when it is not shared. */
  private remoteRefOf(ref: string): string | null {
    const prefix = this.upstream?.remote.sideRefPrefix(this.name);
    return prefix && isSharedSideRef(ref) ? `${prefix}${ref}` : null;
  }

  /**
   * Moves a shared side ref on the remote first (objects sent along), from `expected` to `oid` (null: deletes it):
   * the compare-and-swap between replicas, as for main. Nothing to do without an upstream.
   */
  private async share(ref: string, objects: readonly EncodedObject[], oid: string | null, expected: string | null): Promise<void> {
    const remoteRef = this.remoteRefOf(ref);
    if (this.upstream && remoteRef) await this.upstream.remote.push(remoteRef, objects, oid, expected);
  }

  private catchUp(): Promise<{ appended: IndexedCommit[]; rebuilt: boolean }> {
    return this.indexLock.run(async () => {
      const sizeBefore = this.index.size;
      const known = this.index.head()?.oid;
      const settled = this.batch?.settled;
      // While batched commits are on their way to the disk, main there is behind the index by design; a ref moved
      // outside Cairn meanwhile fails the batch's compare-and-swap, and the next catch-up finds it. A batch that
      // started and ended during the read makes the value read stale.
      const unchanged = (): boolean => !this.batch?.busy && this.batch?.settled === settled && this.index.head()?.oid === known;
      if (!unchanged()) return { appended: [], rebuilt: false };
      const onDisk = await this.refs.read(MAIN_REF);
      if (!unchanged()) return { appended: [], rebuilt: false };
      const result = await this.index.catchUp(this.objects, onDisk);
      if (result.rebuilt) void this.indexFile.rewrite(this.index.linesFrom(0)).catch(() => undefined);
      else if (result.appended.length) void this.indexFile.append(this.index.linesFrom(sizeBefore)).catch(() => undefined);
      return result;
    });
  }

  /** Runs `task` with no other write of this namespace in between; the head it sees stays the head until it ends. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    let durable: Promise<unknown> = Promise.resolve();
    // Group commit engages while writers queue here, and stays engaged while their batches follow one another: a
    // lone writer's commit is written on its own. (Closed-loop writers answered together come back one by one: the
    // first, finding nobody waiting, would hold the lock through a commit's fsyncs of its own while the rest queue.)
    // Only batches need to tell the write task from readers, and AsyncLocalStorage costs every await of the process
    // on Node 20 (promise hooks): it is entered only by a batching task.
    const inTask = <R>(work: () => Promise<R>): Promise<R> => {
      this.batching = this.groupCommit && (this.lock.waiting > 0 || (this.batch?.activeWithin(BATCHES_ENGAGED_MS) ?? false));
      return this.batching ? inWriteTask(this, work) : work();
    };
    const done = this.lock.run(() =>
      inTask(async () => {
        // Committing alone: a batch of `batchCommits`, or of writers gone now, is written after its task: main on
        // disk catches up first.
        if (!this.batching) await this.batch?.idle();
        await this.syncIndex();
        this.failuresAtTaskStart = this.batch?.failures ?? 0;
        const sizeBefore = this.index.size;
        try {
          const result = await task();
          await this.maybeRepack(sizeBefore);
          return result;
        } finally {
          const own = Promise.all(this.pendingDurability.splice(0));
          // What the task saw is what it answers with: its own commits, and main's queued before them (a write that
          // found its content, or its request id, in a commit still being written answers with that commit).
          durable = this.batch ? Promise.all([own, seenOnDisk(this.batch, this.batch.queuedCount, this.failuresAtTaskStart)]) : own;
        }
      }),
    );
    // The next writer may start once the ref moved; this one answers only once the move is on disk. A crash in
    // between loses at most commits nobody was told about: a later commit's ref fsync also makes this one's durable.
    // A task that fails after committing (a history import refused at its second commit) keeps what it committed:
    // its failure is answered once that is durable too, so a caller never sees less than what was acknowledged.
    return done.then(
      async (result) => {
        await durable;
        return result;
      },
      async (error: unknown) => {
        // A refusal (a VersionConflict against a commit still being written) is answered once main on disk has what
        // it was refused for: the client reading again sees the winner. Answered earlier, it read the old head again
        // and was refused again, for as long as batches followed one another.
        await durable.catch(() => undefined);
        throw error;
      },
    );
  }

  /**
   * Packs loose objects when the task crossed a multiple of `repackEvery` commits, and folds the packs pulls and
   * batches leave behind (one per fetch or batch) once MAX_PACKS gathered: every read searches each pack's index.
   * Batches' packs are folded by this process (`foldBatchPacks`); git folds what is left once MAX_PACKS packs remain
   * anyway (a pull's, the folds'). git runs in the write lock: it packs the loose objects too, and its prune of
   * packed ones removes emptied fan-out directories under a concurrent loose write (tried in the background:
   * writes failed with ENOENT), and it deletes packs a batch being written may not have opened yet. A failure is not
   * the write's.
   */
  private async maybeRepack(sizeBefore: number): Promise<void> {
    const every = this.housekeeping.repackEvery;
    const crossed = every > 0 && Math.floor(this.index.size / every) !== Math.floor(sizeBefore / every);
    this.foldBatchPacks();
    const tooManyPacks = await this.tooManyPacks();
    if (!crossed && !tooManyPacks) return;
    try {
      // One packer at a time; and git repacks what is on disk: the batches under way first.
      await this.folding;
      await this.batch?.idle();
      await repack(this.gitdir, tooManyPacks);
      this.lastRepackError = null;
    } catch (error) {
      this.lastRepackError = error instanceof Error ? error : new Error(String(error));
    } finally {
      // git folded the batches' packs and ours too (or removed them as redundant).
      this.batchPacks = [];
      this.foldedPacks = [];
      await this.objects.packsChanged();
    }
  }

  /** The most pack bytes one fold or merge of ours takes (see MAX_FOLD_BYTES). */
  private get maxFoldBytes(): number {
    return this.housekeeping.maxFoldBytes ?? MAX_FOLD_BYTES;
  }

  /**
   * Folds the batches' packs into one once MAX_PACKS gathered (ObjectStore.foldPacks: entries copied as stored, no
   * git process), in the background: writers do not wait for it. It touches nothing a write could be using: only
   * packs already written, durable and open (listed once `writePack` returned), never loose objects; batches
   * written meanwhile add packs of their own; the folded pack is durable before the old ones go. Packs over
   * `maxFoldBytes` together are left to git's repack.
   */
  private foldBatchPacks(): void {
    if (this.folding || this.batchPacks.length < MAX_PACKS) return;
    const packs = this.batchPacks.splice(0);
    if (packs.reduce((sum, pack) => sum + pack.bytes, 0) > this.maxFoldBytes) {
      // Too much to copy and hash on the event loop (batches of large documents): git's to fold, in its own process.
      this.packsWritten += packs.length;
      return;
    }
    this.packsFolding = packs.length;
    this.folding = this.foldGeometrically(packs.map((pack) => pack.path))
      .catch((error: unknown) => {
        this.packsWritten += packs.length;
        this.lastRepackError = error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        this.folding = null;
        this.packsFolding = 0;
      });
  }

  /**
   * Folds `packs`, then merges our folded packs as git's `--geometric=2` would: while the newest is at least half the
   * size of the one before, the two become one. They stay few (logarithmic in the history), each byte is copied a
   * logarithmic number of times, and git never has to fold them in the write lock (it took most of a second on a
   * busy namespace). Packs we cannot fold are git's, counted for its fold; so is one fold in MAX_PACKS, so that git
   * still looks at what else gathered (a restart forgets which packs were ours).
   */
  private async foldGeometrically(packs: readonly string[]): Promise<void> {
    const folded = await this.objects.foldPacks(packs);
    this.packsWritten += folded ? 1 : packs.length;
    if (!folded) return;
    this.foldedPacks.push(folded);
    for (;;) {
      const newer = this.foldedPacks.at(-1);
      const older = this.foldedPacks.at(-2);
      if (!newer || !older || newer.bytes * 2 < older.bytes) return;
      if (older.bytes + newer.bytes > this.maxFoldBytes) {
        // Too large to copy on the event loop again (see MAX_FOLD_BYTES): git's to fold from now on.
        this.foldedPacks.splice(-2, 1);
        this.packsWritten += 1;
        continue;
      }
      const merged = await this.objects.foldPacks([older.path, newer.path]);
      if (!merged) return;
      this.foldedPacks.splice(-2, 2, merged);
    }
  }

  /** Pulls leave one pack per fetch, our folds one each: counted once enough may have gathered. */
  private async tooManyPacks(): Promise<boolean> {
    if (this.upstream === null && this.packsWritten < MAX_PACKS) return false;
    this.packsWritten = 0;
    // Batches' packs waiting for a fold of ours (or in one), and the packs our folds made, are not git's to fold.
    return (await countPacks(this.gitdir)) - this.batchPacks.length - this.packsFolding - this.foldedPacks.length >= MAX_PACKS;
  }

  async drain(): Promise<void> {
    await this.lock.drain();
    await this.batch?.idle();
    await this.folding;
    await this.indexFile.flushed();
  }

  /** Finishes queued writes and closes open files (shutdown). */
  async close(): Promise<void> {
    await this.drain();
    await this.objects.close();
  }

  head(): IndexedCommit | null {
    return this.view.head();
  }

  /** Readers see main up to its last durable commit; the write task under way sees the commits queued before its own. */
  private visibleSize(): number {
    return this.batch?.busy && writeTask.getStore() !== this ? this.durableSize : this.index.size;
  }

  // What the layers above read, named for what they want; the stores behind them stay this class's business.

  /** Main's commit `oid`, or undefined when it is not one of main's (or not pulled yet, with replicas). */
  mainCommit(oid: string): IndexedCommit | undefined {
    return this.view.get(oid);
  }

  /** Main's commit at sequence number `seq` (the root is 0). */
  mainCommitAt(seq: number): IndexedCommit | undefined {
    return this.view.at(seq);
  }

  /** The number of commits on main, which is also the next commit's sequence number. */
  versionCount(): number {
    return this.view.size;
  }

  /** Main's commit made by the write with this request id: a retried request is answered with it. */
  commitWithRequestId(requestId: string): IndexedCommit | undefined {
    return this.view.withRequestId(requestId);
  }

  /** Sequence numbers of main's commits that changed `path`, oldest first. */
  historyOf(path: string): readonly number[] {
    return this.view.historyOf(path);
  }

  /** Main's last commit at or before `seq` that changed `path`. */
  lastChangeOf(path: string, seq: number): IndexedCommit | undefined {
    return this.view.lastChangeOf(path, seq);
  }

  /** Those of `paths` that a commit of main after `seq` changed. */
  changedSince(seq: number, paths: Iterable<string>): string[] {
    return this.view.changedSince(seq, paths);
  }

  /** The commit a user's reference names (hash, short hash, tag, HEAD, main, `@{time}`, `~N`, `^`); typed errors otherwise. */
  resolve(ref: string): Promise<string> {
    return this.resolver.resolve(ref);
  }

  readBlob(oid: string): Promise<Uint8Array> {
    return this.objects.readBlob(oid);
  }

  /** A blob's content as UTF-8 text. */
  async readText(oid: string): Promise<string> {
    return Buffer.from(await this.objects.readBlob(oid)).toString('utf8');
  }

  /** The blob id `text` is stored under, without storing it. */
  blobId(text: string): string {
    return this.objects.blobOid(Buffer.from(text));
  }

  /** Every file under `prefix` ('' = all) in a tree, sorted by path. A prefix may end inside a name. */
  filesIn(treeOid: string, prefix = ''): Promise<BlobAtPath[]> {
    return this.trees.listBlobs(treeOid, prefix);
  }

  /** The files that differ from one tree to another (null: the empty tree). */
  changesBetween(fromTree: string | null, toTree: string): Promise<PathChange[]> {
    return diffTrees(this.objects, fromTree, toTree);
  }

  /** Where a ref (a side branch, one of Cairn's own refs) points, or null when it does not exist. */
  readRef(ref: string): Promise<string | null> {
    return this.refs.read(ref);
  }

  /** Moves a ref other than main from `expected` (null: absent) to `next`; RefMovedError if it moved meanwhile. */
  async moveRef(ref: string, expected: string | null, next: string): Promise<void> {
    if (ref === MAIN_REF) throw new Error('main moves by commit only');
    return this.refs.compareAndSwap(ref, expected, next);
  }

  /** Deletes a ref other than main if it still points at `expected`. */
  async removeRef(ref: string, expected: string): Promise<void> {
    if (ref === MAIN_REF) throw new Error('main moves by commit only');
    return this.refs.remove(ref, expected);
  }

  listTags(): Promise<StoredTag[]> {
    return this.tags.list();
  }

  tag(name: string): Promise<StoredTag | null> {
    return this.tags.get(name);
  }

  /**
   * Writes an annotated tag of `commit`; a tag that exists is never moved (TagExistsInRepositoryError). With replicas
   * it is created on the remote first, where a tag another replica created by that name wins. The caller holds `exclusive`.
   */
  async createTag(name: string, commit: string, tagger: Signature, message: string): Promise<StoredTag> {
    const ref = `${TAG_PREFIX}${name}`;
    await this.mainDurable();
    const tag = await this.tags.create(name, commit, tagger, message, async (object) => {
      try {
        await this.share(ref, [object], object.oid, null);
      } catch (error) {
        const taken = error instanceof RemoteMovedError ? await this.upstream?.remote.head(this.remoteRefOf(ref)!) : null;
        throw taken ? new TagExistsInRepositoryError(name, taken) : error;
      }
    });
    this.listeners?.onRefMove(this, ref, tag.oid, 'commit');
    return tag;
  }

  /** Deletes the tag if it still points at `expected` (on the remote first, with replicas). The caller holds `exclusive`. */
  async removeTag(name: string, expected: string): Promise<void> {
    const ref = `${TAG_PREFIX}${name}`;
    await this.share(ref, [], null, expected);
    await this.tags.remove(name, expected);
    this.listeners?.onRefMove(this, ref, null, 'commit');
  }

  /**
   * Every ref of the repository (main, release branches, change requests, tags, Cairn's own such as webhook cursors)
   * as one consistent state: read in the write lock once main's batches are on disk, so no write of this namespace
   * is half way. A backup bundles exactly these values (`writeBundle`).
   */
  refSnapshot(): Promise<RefSnapshot> {
    return this.exclusive(async () => {
      await this.batch?.idle();
      const names = await this.refs.list('refs/');
      const values = await Promise.all(names.map(async (ref) => [ref, await this.refs.read(ref)] as const));
      return new Map(values.filter((entry): entry is readonly [string, string] => entry[1] !== null));
    });
  }

  /** Writes a Git bundle of `refs` (a `refSnapshot`) and every object they reach to `out`, outside the write lock. */
  writeBundle(refs: RefSnapshot, out: Writable): Promise<void> {
    return writeBundle(this.gitdir, refs, out);
  }

  /** Re-hashes every object reachable from every ref and checks the links between them. */
  verifyIntegrity(): Promise<IntegrityReport> {
    return verifyIntegrity(this.gitdir, this.objects);
  }

  /**
   * Writes blobs, trees and the commit, then moves main from `parent` to it. Objects land before the ref, so a
   * crash at any instant leaves a valid repository; the caller must hold `exclusive`.
   */
  async commit(request: CommitRequest): Promise<IndexedCommit> {
    return this.batch && (this.batching || this.holding) ? this.commitBatched(this.batch, request) : this.commitAlone(request);
  }

  /**
   * Runs `task` (inside `exclusive`) with main's commits gathered into one batch, whatever group commit's setting: a
   * batch of a history import. Each commit is made as usual (through `commit`, so the next builds on it and finds its
   * request id) and read from memory; once `task` ends (or fails: what it committed is kept) they reach the disk as
   * one pack and main moves once, and the task's `exclusive` answers once that is durable. Readers see none of them
   * before. With an upstream each commit is pushed on its own, as always.
   */
  async batchCommits<T>(task: () => Promise<T>): Promise<T> {
    if (!this.batch || this.holding) return task();
    // The last import's group, let go while a batch before it was still being written, is not taken yet: one group
    // is held at a time (back-to-back imports on a namespace whose writers keep group commit engaged).
    if (this.batch.heldGroupPending) await this.batch.idle();
    const release = this.batch.hold();
    this.holding = true;
    try {
      // The write task must see its own queued commits, readers must not: see `visibleSize`.
      return await inWriteTask(this, task);
    } finally {
      this.holding = false;
      release();
    }
  }

  /**
   * Group commit: the commit is made in memory (objects staged, index appended) so the next write builds on it at
   * once, and queued; the caller's `exclusive` answers once its batch is durable (see CommitBatch). Listeners hear
   * of it then, with the rest of its batch.
   */
  private async commitBatched(batch: CommitBatch, request: CommitRequest): Promise<IndexedCommit> {
    this.expectHead(request.parent);
    const { objects, tree, commit, parentTree } = await this.encode(request);
    const changes = await diffTrees(this.objects, parentTree, tree.oid);
    // A batch that failed meanwhile took the parent with it.
    this.expectHead(request.parent);
    const written = [...objects, ...tree.objects, commit];
    this.objects.stage(written);
    if (!batch.busy) this.durableSize = this.index.size;
    const indexed = this.index.append(this.storedCommit(request, commit.oid, tree.oid), changes);
    // The batch is written outside this task: what it tells listeners is what readers see.
    this.pendingDurability.push(writeTask.exit(() => batch.add({ indexed, parent: request.parent, objects: written })));
    return indexed;
  }

  private expectHead(parent: string | null): void {
    const head = this.index.head()?.oid ?? null;
    if (parent !== head) throw new RefMovedError(MAIN_REF, parent, head);
  }

  /**
   * Writes one batch: its objects as one pack (a lone commit's as loose objects, as `commitAlone` would), then main
   * moves once from the first commit's parent to the last commit. The index file and listeners learn of the batch
   * only once it is durable.
   */
  private async storeBatch(batch: readonly QueuedCommit[]): Promise<void> {
    const first = batch[0];
    const last = batch.at(-1);
    if (!first || !last) return;
    const objects = uniqueObjects(batch.flatMap((c) => c.objects));
    const locking = this.refs.lock(MAIN_REF, last.indexed.oid);
    const writing = batch.length === 1 ? this.objects.writeAll(objects).then(() => null) : this.objects.writePack(objects);
    const [locked, written] = await Promise.allSettled([locking, writing]);
    if (locked.status === 'rejected') throw locked.reason;
    if (written.status === 'rejected') {
      locked.value.release();
      throw written.reason;
    }
    if (written.value !== null) this.batchPacks.push(written.value);
    await (
      await locked.value.commit(first.parent)
    ).durable;
    this.durableSize = last.indexed.seq + 1;
    this.objects.unstage(objects, false);
    void this.indexFile.append(this.index.linesFrom(first.indexed.seq).slice(0, batch.length)).catch(() => undefined);
    this.listeners?.onAppend(
      this,
      batch.map((c) => c.indexed),
      'commit',
    );
  }

  /** A failed batch, and what was queued on it, leave the index and the readable objects as the disk has them. */
  private dropBatch(dropped: readonly QueuedCommit[]): void {
    const first = dropped[0];
    if (!first) return;
    this.index.truncate(first.indexed.seq);
    this.objects.unstage(
      dropped.flatMap((c) => c.objects),
      true,
    );
  }

  /**
   * Before a write task moves a side branch or creates a tag: main's batches under way are on disk, so the ref can
   * never point at objects a crash would lose; and none failed since the task began, since what it saw of main (a
   * base, a released version) might be gone. (Webhook cursors move outside write tasks, to commits already announced,
   * so durable.)
   */
  async mainDurable(): Promise<void> {
    if (!this.batch) return;
    await this.batch.idle();
    if (this.batch.failures !== this.failuresAtTaskStart) {
      throw new RefMovedError(MAIN_REF, null, this.index.head()?.oid ?? null);
    }
  }

  private storedCommit(request: CommitRequest, oid: string, tree: string): StoredCommit {
    return { oid, tree, parents: parentsOf(request), author: request.author, committer: request.committer, message: request.message };
  }

  /** Writes one commit's objects and moves main, on its own (no group commit; with an upstream, pushed first). */
  private async commitAlone(request: CommitRequest): Promise<IndexedCommit> {
    const { objects, tree, commit, parentTree } = await this.encode(request);
    const changes = await diffTrees(this.objects, parentTree, tree.oid);
    // The ref's lock file is created while the objects are written; the ref moves only once both are done.
    const locking = this.refs.lock(MAIN_REF, commit.oid);
    const writing = this.objects.writeAll([...objects, ...tree.objects, commit]);
    const [locked, written] = await Promise.allSettled([locking, writing]);
    if (locked.status === 'rejected') throw locked.reason;
    if (written.status === 'rejected') {
      locked.value.release();
      throw written.reason;
    }
    if (this.upstream) {
      // The remote is the shared truth: main moves here only once the remote took the commit.
      try {
        await this.upstream.remote.push(this.upstream.ref, [...objects, ...tree.objects, commit], commit.oid, request.parent);
      } catch (error) {
        locked.value.release();
        throw error;
      }
      try {
        this.pendingDurability.push((await locked.value.commit(request.parent)).durable);
      } catch (error) {
        // Committed all the same: the next pull brings it here. The client must not hear "nothing was committed".
        throw new RemoteUnavailableError(`the commit reached the shared remote but this replica could not record it (${(error as Error).message})`);
      }
    } else {
      this.pendingDurability.push((await locked.value.commit(request.parent)).durable);
    }
    const sizeBefore = this.index.size;
    const indexed = this.index.append(this.storedCommit(request, commit.oid, tree.oid), changes);
    if (this.index.size > sizeBefore) {
      void this.indexFile.append(this.index.linesFrom(sizeBefore)).catch(() => undefined);
      this.listeners?.onAppend(this, [indexed], 'commit');
    }
    return indexed;
  }

  /**
   * Commits on a branch other than main (a change request's `refs/heads/proposals/<id>`): objects first, then the
   * branch moves if it still points at `expected` (null: it must not exist yet). The commit's parent is
   * `request.parent`. Main, its index and the change feed are untouched; the caller must hold `exclusive`.
   */
  async commitToBranch(ref: string, expected: string | null, request: CommitRequest): Promise<string> {
    if (ref === MAIN_REF || !ref.startsWith('refs/heads/')) throw new Error(`${ref} is not a side branch`);
    await this.mainDurable();
    const { objects, tree, commit } = await this.encode(request);
    const locked = await this.refs.lock(ref, commit.oid);
    try {
      await this.objects.writeAll([...objects, ...tree.objects, commit]);
      // With replicas the branch moves on the remote first, as main does: a replica that lost the race learns it here.
      await this.share(ref, [...objects, ...tree.objects, commit], commit.oid, expected);
    } catch (error) {
      locked.release();
      throw error;
    }
    try {
      this.pendingDurability.push((await locked.commit(expected)).durable);
    } catch (error) {
      if (!this.upstream) throw error;
      // On the remote already: the next pull brings it here. The client must not hear "nothing was committed".
      throw new RemoteUnavailableError(`the commit reached the shared remote but this replica could not record it (${(error as Error).message})`);
    }
    this.listeners?.onRefMove(this, ref, commit.oid, 'commit');
    return commit.oid;
  }

  /**
   * The newest `limit` commits of a side branch, following first parents (an environment's releases), without their
   * changes: each is one object read. Empty when the branch does not exist. `from`: start at this commit (a tip
   * read earlier, under the write lock) rather than where the branch points now.
   */
  async branchLog(ref: string, limit: number, from?: string | null): Promise<LoggedCommit[]> {
    const log: LoggedCommit[] = [];
    let oid = from === undefined ? await this.readRef(ref) : from;
    while (oid && log.length < limit) {
      const commit = await this.objects.readCommit(oid);
      log.push({ ...commit, oid, ...parseCommitMessage(commit.message) });
      oid = commit.parents[0] ?? null;
    }
    return log;
  }

  /** Side branches whose ref starts with `prefix` (e.g. `refs/heads/proposals/`), by full ref name. */
  async branches(prefix: string): Promise<string[]> {
    return this.refs.list(prefix);
  }

  private async encode(
    request: CommitRequest,
  ): Promise<{ objects: EncodedObject[]; tree: { oid: string; objects: EncodedObject[] }; commit: EncodedObject; parentTree: string | null }> {
    const blobs = new Map<string, string | null>();
    const objects: EncodedObject[] = [];
    for (const [file, content] of request.files) {
      if (content === null) {
        blobs.set(file, null);
        continue;
      }
      const blob = content instanceof Uint8Array ? this.objects.encodeBlob(content) : content;
      objects.push(blob);
      blobs.set(file, blob.oid);
    }
    const parentTree = request.parent ? (this.index.get(request.parent)?.tree ?? (await this.objects.readCommit(request.parent)).tree) : null;
    const tree = await buildTree(this.objects, parentTree, blobs as BlobChanges);
    const commit = this.objects.encodeCommit({
      tree: tree.oid,
      parents: parentsOf(request),
      author: request.author,
      committer: request.committer,
      message: request.message,
    });
    return { objects, tree, commit, parentTree };
  }

  /** A blob ready to be committed, with its id: a write hashes each new document once, here. */
  encodeBlob(content: Uint8Array): EncodedObject {
    return this.objects.encodeBlob(content);
  }

  /** Resolves when the index file has every commit appended so far (tests, shutdown). */
  indexPersisted(): Promise<void> {
    return this.indexFile.flushed();
  }

  /**
   * Metadata of any commit: main's come from the index; others (a tag off main) are read and diffed on demand,
   * with seq -1 since they have no place in main's history.
   */
  async describe(oid: string): Promise<IndexedCommit> {
    const indexed = this.index.get(oid);
    if (indexed) return indexed;
    const commit = await this.objects.readCommit(oid);
    const parentTree = commit.parents[0] ? await this.treeOf(commit.parents[0]) : null;
    const { comment, trailers } = parseCommitMessage(commit.message);
    const changes = await diffTrees(this.objects, parentTree, commit.tree);
    return { ...commit, seq: -1, comment, trailers, changes };
  }

  /** The blob id of `file` in the tree of `commitOid`, or null. */
  async blobAt(commitOid: string, file: string): Promise<string | null> {
    return this.trees.blobAt(await this.treeOf(commitOid), file);
  }

  async treeOf(commitOid: string): Promise<string> {
    return this.index.get(commitOid)?.tree ?? (await this.objects.readCommit(commitOid)).tree;
  }
}

const TAG_PREFIX = 'refs/tags/';

/** The repository whose batching write task (`exclusive`, `batchCommits`) the code running now belongs to, if any. */
const writeTask = new AsyncLocalStorage<GitRepository>();
/** Batching write tasks under way, all namespaces together (see inWriteTask). */
let batchingTasks = 0;

/**
 * Runs a batching write task of `repo` as its write task: it sees its own queued commits, readers do not (see
 * `visibleSize`). Once no batching task is under way anywhere, the store is disabled again: nothing asks it (a
 * reader finds no store either way), and its promise hooks would cost every await of the process from then on.
 */
async function inWriteTask<R>(repo: GitRepository, work: () => Promise<R>): Promise<R> {
  batchingTasks += 1;
  try {
    return await writeTask.run(repo, work);
  } finally {
    batchingTasks -= 1;
    if (batchingTasks === 0) writeTask.disable();
  }
}

/** Resolves once the first `count` commits queued on `batch` settled; rejects if a batch failed since `failuresAtStart`. */
async function seenOnDisk(batch: CommitBatch, count: number, failuresAtStart: number): Promise<void> {
  await batch.settledThrough(count);
  if (batch.failures !== failuresAtStart) throw batch.lastFailure;
}

/** Batching write tasks under way in this process (0: AsyncLocalStorage's promise hooks are off). */
export function batchingWriteTasks(): number {
  return batchingTasks;
}

/** The refs besides main that replicas share: branches (releases, change requests) and tags, not Cairn's own (webhook cursors). */
function isSharedSideRef(ref: string): boolean {
  return (ref.startsWith('refs/heads/') && ref !== MAIN_REF) || ref.startsWith(TAG_PREFIX);
}

function uniqueObjects(objects: readonly EncodedObject[]): EncodedObject[] {
  return [...new Map(objects.map((o) => [o.oid, o])).values()];
}

function parentsOf(request: CommitRequest): string[] {
  return [request.parent, request.merged].filter((oid): oid is string => typeof oid === 'string');
}

/** How long group commit stays engaged after a batch ended (see `exclusive`): well over a writer's round trip. */
const BATCHES_ENGAGED_MS = 1000;

/** Packs a pulling repository may gather before they are folded into one. */
const MAX_PACKS = 16;
/**
 * The most pack bytes one fold or merge of this process takes (HousekeepingOptions.maxFoldBytes): a fold is copied
 * and hashed on the event loop, so its size is bounded; larger ones are git's to fold, counted with the others.
 */
const MAX_FOLD_BYTES = 16 * 1024 * 1024;

async function countPacks(gitdir: string): Promise<number> {
  return (await readdirSafe(path.join(gitdir, 'objects', 'pack'))).filter((f) => f.endsWith('.pack')).length;
}

async function isAncestor(gitdir: string, ancestor: string, oid: string): Promise<boolean> {
  return git.isDescendent({ fs, gitdir, oid, ancestor, depth: -1 });
}

/** Lock, temp and orphan index files left by a crash would block the next write or waste space; nothing else holds them. */
async function removeStaleFiles(gitdir: string): Promise<void> {
  const stale = await refLocks(path.join(gitdir, 'refs'));
  const packDir = path.join(gitdir, 'objects', 'pack');
  const packFiles = await readdirSafe(packDir);
  const packs = new Set(packFiles.filter((f) => f.endsWith('.pack')));
  for (const file of packFiles) {
    if (file.startsWith(INCOMING_PREFIX)) stale.push(path.join(packDir, file));
    // An index whose pack is gone: a crash between the two renames of a new pack (index first), or between the two
    // removals of a folded one (pack first). Git writes a pack before its index, so none of git's is ever like this.
    if (file.endsWith('.idx') && !packs.has(`${file.slice(0, -'.idx'.length)}.pack`)) stale.push(path.join(packDir, file));
  }
  const objectsDir = path.join(gitdir, 'objects');
  for (const dir of await readdirSafe(objectsDir)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const file of await readdirSafe(path.join(objectsDir, dir))) {
      if (file.startsWith('tmp_')) stale.push(path.join(objectsDir, dir, file));
    }
  }
  await Promise.all(stale.map((file) => fsp.rm(file, { force: true, recursive: true })));
}

/** Lock files anywhere under refs/ (branches, and Cairn's own refs such as webhook cursors). */
async function refLocks(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await refLocks(full)));
    else if (entry.name.endsWith('.lock')) found.push(full);
  }
  return found;
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch {
    return [];
  }
}
