import { promises as fsp } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { type DurabilityOptions, fsyncDirectory } from './durable-file.js';
import {
  type CommitContent,
  type EncodedObject,
  type ObjectType,
  type Signature,
  type TagContent,
  type TreeEntry,
  blobOid,
  encodeCommit,
  encodeObject,
  encodeTag,
  encodeTree,
} from './object-format.js';
import { ObjectFs } from './object-fs.js';
import { type ParsedTag, parseCommit, parseTag } from './object-parse.js';
import { Tree } from './tree.js';
import { ObjectReader } from './object-reader.js';
import { cacheBudget } from './cache-budget.js';
import { encodeIndexedPack } from './pack-writer.js';
import { foldPacks } from './pack-fold.js';
import { storeIndexedPack } from './pack-store.js';

export interface StoredCommit {
  readonly oid: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

export class MissingObjectError extends Error {
  readonly code = 'MISSING_OBJECT';
  constructor(
    readonly oid: string,
    readonly expected: ObjectType,
  ) {
    super(`${expected} ${oid} is not in the repository`);
  }
}

const MAX_CACHED_BLOB_BYTES = 64 * 1024;
/** Rough bytes per cached commit beyond its strings: objects, keys, the cache's own entry. */
const COMMIT_BYTES = 400;
/** What a blob being read is counted at until its size is known, and what a cached blob costs beyond its bytes. */
const PENDING_BLOB_BYTES = 1024;
const BLOB_OVERHEAD = 160;

/** A pack this process wrote (a batch's, or a fold's), with the size of its .pack file. */
export interface StoredPack {
  readonly path: string;
  readonly bytes: number;
}

/**
 * The object database of one bare repository. isomorphic-git writes the objects, after Node's crypto and zlib
 * hashed and deflated them (what makes a commit take milliseconds, see object-format.ts); ObjectReader reads them
 * with native zlib and caches that draw on the process's cache budget (one bound, whatever the number of
 * repositories). Objects are immutable, so no cache here ever goes stale.
 */
export class ObjectStore {
  private readonly fs: ObjectFs;
  private readonly reader: ObjectReader;
  /** Parsed trees, including the ones this process just wrote: the next commit reads nothing from disk. */
  private readonly trees = cacheBudget.view<string, Tree>((tree) => tree.weight);
  private readonly commits = cacheBudget.view<string, StoredCommit>((c) => COMMIT_BYTES + c.message.length);
  /**
   * Small blobs just read (or being read): a commit wakes every long-poll and agent of its namespace at once, and
   * each reads the same few documents. Blobs over MAX_CACHED_BLOB_BYTES are not kept.
   */
  private readonly blobs = cacheBudget.view<string, Promise<Uint8Array>>(() => PENDING_BLOB_BYTES);
  /**
   * Objects of commits queued for the next batch write (group commit): the writes queued behind them build on them
   * before they reach the disk, so they are read from here until their pack is stored.
   */
  private readonly staged = new Map<string, EncodedObject>();

  constructor(
    readonly gitdir: string,
    private readonly durability: DurabilityOptions,
  ) {
    this.fs = new ObjectFs(gitdir, durability);
    this.reader = new ObjectReader(gitdir, this.fs);
  }

  /** A blob's bytes: shared with other readers of the same blob, so never to be modified. */
  readBlob(oid: string): Promise<Uint8Array> {
    const cached = this.blobs.get(oid);
    if (cached) return cached;
    const reading = this.readTyped(oid, 'blob');
    this.blobs.set(oid, reading);
    reading.then(
      (content) => {
        if (content.length > MAX_CACHED_BLOB_BYTES) this.blobs.delete(oid);
        else if (this.blobs.get(oid) === reading) this.blobs.set(oid, reading, content.length + BLOB_OVERHEAD);
      },
      () => this.blobs.delete(oid),
    );
    return reading;
  }

  async readTree(oid: string): Promise<Tree> {
    const cached = this.trees.get(oid);
    if (cached) return cached;
    const tree = Tree.parse(await this.readTyped(oid, 'tree'));
    this.trees.set(oid, tree);
    return tree;
  }

  async readCommit(oid: string): Promise<StoredCommit> {
    const cached = this.commits.get(oid);
    if (cached) return cached;
    const commit = { oid, ...parseCommit(await this.readTyped(oid, 'commit')) };
    this.commits.set(oid, commit);
    return commit;
  }

  async readTag(oid: string): Promise<ParsedTag> {
    return parseTag(await this.readTyped(oid, 'tag'));
  }

  /** An object as stored (type and content), past the parsed-tree and commit caches: integrity checks re-hash it. */
  rawObject(oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
    return this.readAny(oid);
  }

  /** The type of an object, or null when the repository does not have it. */
  async typeOf(oid: string): Promise<ObjectType | null> {
    if (this.trees.get(oid)) return 'tree';
    if (this.commits.get(oid)) return 'commit';
    return (await this.readAny(oid))?.type ?? null;
  }

  /** Full ids starting with `prefix` (two at most: enough to tell unique from ambiguous). */
  matchPrefix(prefix: string): Promise<string[]> {
    return this.reader.matchPrefix(prefix, 2);
  }

  /** Closes the open pack files now (they are reopened if read again). */
  close(): Promise<void> {
    return this.reader.refreshPacks(0);
  }

  /** After `git gc` or `git repack` outside Cairn: forget the pack list so new packs are found. */
  packsChanged(): Promise<void> {
    return this.reader.refreshPacks();
  }

  blobOid(content: Uint8Array): string {
    return blobOid(content);
  }

  encodeBlob(content: Uint8Array): EncodedObject {
    return encodeObject('blob', content);
  }

  encodeTree(entries: readonly TreeEntry[]): EncodedObject {
    const content = encodeTree(entries);
    const encoded = encodeObject('tree', content);
    this.trees.set(encoded.oid, Tree.parse(content));
    return encoded;
  }

  encodeCommit(commit: CommitContent): EncodedObject {
    return encodeObject('commit', encodeCommit(commit));
  }

  encodeTag(tag: TagContent): EncodedObject {
    return encodeObject('tag', encodeTag(tag));
  }

  /** Writes objects concurrently; isomorphic-git skips one that exists, ObjectFs makes each write atomic and durable. */
  async writeAll(objects: readonly EncodedObject[]): Promise<void> {
    // allSettled: a failure is reported only once every write has finished (and cleaned up after itself).
    const results = await Promise.allSettled(
      objects.map((o) => git.writeObject({ fs: this.fs, gitdir: this.gitdir, type: o.type, object: o.deflated, format: 'deflated', oid: o.oid })),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await this.fs.syncDirectories();
  }

  /** Makes objects readable before they are written: the commits of a batch still being made durable. */
  stage(objects: readonly EncodedObject[]): void {
    for (const object of objects) this.staged.set(object.oid, object);
  }

  /** Forgets staged objects: stored in a pack now, or `dropped` with a failed batch (then no cache may answer for them). */
  unstage(objects: readonly EncodedObject[], dropped: boolean): void {
    for (const object of objects) {
      this.staged.delete(object.oid);
      if (!dropped) continue;
      this.blobs.delete(object.oid);
      this.trees.delete(object.oid);
      this.commits.delete(object.oid);
    }
  }

  /**
   * Writes `objects` (unique ids) as one pack with its index, durably, and starts reading it: a batch of commits
   * costs one round of fsyncs, where loose objects cost one per object.
   */
  async writePack(objects: readonly EncodedObject[]): Promise<StoredPack> {
    const encoded = encodeIndexedPack(objects);
    const packPath = await storeIndexedPack(this.gitdir, encoded, this.durability);
    await this.reader.addPack(packPath);
    return { path: packPath, bytes: encoded.pack.length };
  }

  /**
   * Folds packs `writePack` (or this) wrote into one (pack-fold.ts) and removes them once it is durable; readers still
   * in them look again when an object moved. Null when they cannot be folded here (one is gone, or holds deltas):
   * git's repack folds them then.
   */
  async foldPacks(packPaths: readonly string[]): Promise<StoredPack | null> {
    const folded = await foldPacks(packPaths).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!folded) return null;
    const packPath = await storeIndexedPack(this.gitdir, folded, this.durability);
    await this.reader.addPack(packPath);
    try {
      // The .pack first: readers list packs by their .pack file, so none finds one without its index.
      for (const packPath of packPaths) {
        await fsp.rm(packPath, { force: true });
        await fsp.rm(packPath.replace(/\.pack$/, '.idx'), { force: true });
      }
      if (this.durability.fsync) await fsyncDirectory(path.join(this.gitdir, 'objects', 'pack'), this.durability.faults);
    } finally {
      await this.reader.refreshPacks();
    }
    return { path: packPath, bytes: folded.pack.length };
  }

  private async readAny(oid: string): Promise<{ type: ObjectType; content: Buffer } | null> {
    const staged = this.staged.get(oid);
    if (staged) return { type: staged.type, content: Buffer.from(staged.content.buffer, staged.content.byteOffset, staged.content.byteLength) };
    return this.reader.read(oid);
  }

  private async readTyped(oid: string, expected: ObjectType): Promise<Buffer> {
    const object = await this.readAny(oid);
    if (!object || object.type !== expected) throw new MissingObjectError(oid, expected);
    return object.content;
  }
}
