import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { type CommitContent, type EncodedObject, type ObjectType, type TreeEntry, encodeCommit, encodeObject, encodeTree } from './object-format.js';
import { LruCache } from './lru-cache.js';
import { type DurabilityOptions, tempNameFor, writeThenRename } from './durable-file.js';

export interface StoredCommit {
  readonly oid: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: { name: string; email: string; timestamp: number; timezoneOffset: number };
  readonly committer: { name: string; email: string; timestamp: number; timezoneOffset: number };
  readonly message: string;
}

/**
 * The object database of one bare repository. Reads go through isomorphic-git with one long-lived cache
 * (objects are immutable, so the cache never goes stale). Writes are our own: isomorphic-git writes loose
 * objects in place, so a crash mid-write leaves a truncated object that later writes then skip as "existing";
 * we write to a temp file and rename, which git itself does too.
 */
export class ObjectStore {
  private readonly cache: object = {};
  /** Parsed trees: isomorphic-git caches pack indexes but re-inflates and re-parses loose trees on every read. */
  private readonly trees = new LruCache<string, TreeEntry[]>(20_000);

  constructor(
    readonly gitdir: string,
    private readonly durability: DurabilityOptions,
  ) {}

  async readBlob(oid: string): Promise<Uint8Array> {
    const { blob } = await git.readBlob({ fs, gitdir: this.gitdir, oid, cache: this.cache });
    return blob;
  }

  async readTree(oid: string): Promise<readonly TreeEntry[]> {
    const cached = this.trees.get(oid);
    if (cached) return cached;
    const { tree } = await git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.cache });
    const entries = tree.map((e) => ({ name: e.path, mode: e.mode, oid: e.oid }));
    this.trees.set(oid, entries);
    return entries;
  }

  async readCommit(oid: string): Promise<StoredCommit> {
    const { commit } = await git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache });
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
      const { type } = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'deflated', cache: this.cache });
      if (type === 'deflated') {
        const parsed = await git.readObject({ fs, gitdir: this.gitdir, oid, format: 'parsed', cache: this.cache });
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
    return git.expandOid({ fs, gitdir: this.gitdir, oid: prefix, cache: this.cache });
  }

  async readTag(oid: string): Promise<{ object: string; type: string }> {
    const { tag } = await git.readTag({ fs, gitdir: this.gitdir, oid, cache: this.cache });
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

  private async writeLoose(object: EncodedObject): Promise<void> {
    const dir = path.join(this.gitdir, 'objects', object.oid.slice(0, 2));
    const target = path.join(dir, object.oid.slice(2));
    if (await exists(target)) return;
    await fsp.mkdir(dir, { recursive: true });
    await writeThenRename(tempNameFor(target), target, object.deflated, this.durability);
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'NotFoundError';
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
