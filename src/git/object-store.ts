import git from 'isomorphic-git';
import { type CommitContent, type EncodedObject, type ObjectType, type TreeEntry, encodeCommit, encodeObject, encodeTree } from './object-format.js';
import { LruCache } from './lru-cache.js';
import { ObjectFs } from './object-fs.js';
import type { DurabilityOptions } from './durable-file.js';

export interface StoredCommit {
  readonly oid: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: { name: string; email: string; timestamp: number; timezoneOffset: number };
  readonly committer: { name: string; email: string; timestamp: number; timezoneOffset: number };
  readonly message: string;
}

/**
 * The object database of one bare repository, through isomorphic-git with one long-lived cache (objects are
 * immutable, so it never goes stale). Objects are hashed and deflated with Node's own crypto and zlib before
 * isomorphic-git writes them, which is what makes a commit take milliseconds (see object-format.ts).
 */
export class ObjectStore {
  private readonly cache: object = {};
  private readonly fs: ObjectFs;
  /** Parsed trees: isomorphic-git caches pack indexes but re-inflates and re-parses loose trees on every read. */
  private readonly trees = new LruCache<string, TreeEntry[]>(20_000);

  constructor(
    readonly gitdir: string,
    durability: DurabilityOptions,
  ) {
    this.fs = new ObjectFs(gitdir, durability);
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const { blob } = await git.readBlob({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache });
    return blob;
  }

  async readTree(oid: string): Promise<readonly TreeEntry[]> {
    const cached = this.trees.get(oid);
    if (cached) return cached;
    const { tree } = await git.readTree({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache });
    const entries = tree.map((e) => ({ name: e.path, mode: e.mode, oid: e.oid }));
    this.trees.set(oid, entries);
    return entries;
  }

  async readCommit(oid: string): Promise<StoredCommit> {
    const { commit } = await git.readCommit({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache });
    return {
      oid,
      tree: commit.tree,
      parents: commit.parent,
      author: commit.author,
      committer: commit.committer,
      message: commit.message,
    };
  }

  /** The type of an object, or null when the repository does not have it. */
  async typeOf(oid: string): Promise<ObjectType | null> {
    try {
      const { type } = await git.readObject({ fs: this.fs, gitdir: this.gitdir, oid, format: 'deflated', cache: this.cache });
      if (type === 'deflated') {
        const parsed = await git.readObject({ fs: this.fs, gitdir: this.gitdir, oid, format: 'parsed', cache: this.cache });
        return parsed.type as ObjectType;
      }
      return type as ObjectType;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  /** Expands a unique abbreviated hash; throws isomorphic-git's NotFoundError or AmbiguousError otherwise. */
  async expand(prefix: string): Promise<string> {
    return git.expandOid({ fs: this.fs, gitdir: this.gitdir, oid: prefix, cache: this.cache });
  }

  async readTag(oid: string): Promise<{ object: string; type: string }> {
    const { tag } = await git.readTag({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache });
    return { object: tag.object, type: tag.type };
  }

  encodeBlob(content: Uint8Array): EncodedObject {
    return encodeObject('blob', content);
  }

  /** Also remembers the entries, so the next commit on this tree reads nothing from disk. */
  encodeTree(entries: readonly TreeEntry[]): EncodedObject {
    const encoded = encodeObject('tree', encodeTree(entries));
    this.trees.set(encoded.oid, [...entries]);
    return encoded;
  }

  encodeCommit(commit: CommitContent): EncodedObject {
    return encodeObject('commit', encodeCommit(commit));
  }

  /** Writes objects concurrently; an object already present is left as it is (content addressing). */
  async writeAll(objects: readonly EncodedObject[]): Promise<void> {
    await Promise.all(objects.map((o) => this.writeLoose(o)));
  }

  /** isomorphic-git writes the object (skipping one that exists); ObjectFs makes the write atomic and durable. */
  private async writeLoose(object: EncodedObject): Promise<void> {
    await git.writeObject({ fs: this.fs, gitdir: this.gitdir, type: object.type, object: object.deflated, format: 'deflated', oid: object.oid });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'NotFoundError';
}
