import fs from 'node:fs';
import git from 'isomorphic-git';
import type { EncodedObject, Signature } from './object-format.js';
import type { ObjectStore } from './object-store.js';
import { RefMovedError, type RefStore } from './ref-store.js';

const TAGS = 'refs/tags/';

/** A tag as stored: annotated (a tag object) or lightweight (the ref names a commit directly, git CLI only). */
export interface StoredTag {
  readonly name: string;
  /** The tag object, or the commit itself for a lightweight tag. */
  readonly oid: string;
  /** The commit the tag finally names (tag objects followed). */
  readonly target: string;
  readonly annotated: boolean;
  readonly tagger: Signature | null;
  readonly message: string | null;
}

export class TagExistsInRepositoryError extends Error {
  constructor(
    readonly tag: string,
    readonly actual: string,
  ) {
    super(`refs/tags/${tag} exists`);
  }
}

/** A tag name that would need a ref to be both a file and a folder (`a` and `a/b`), which git cannot store. */
export class TagPathConflictError extends Error {
  constructor(
    readonly tag: string,
    readonly existing: string,
  ) {
    super(`refs/tags/${tag} conflicts with refs/tags/${existing}`);
  }
}

const MAX_PEEL = 10;

/**
 * The tags of one repository: annotated tag objects written natively, refs created under git's lock protocol
 * (RefStore) and never moved: creating a tag that exists is refused, whatever it points at.
 */
export class TagStore {
  constructor(
    private readonly gitdir: string,
    private readonly objects: ObjectStore,
    private readonly refs: RefStore,
  ) {}

  async names(): Promise<string[]> {
    // isomorphic-git lists loose and packed refs alike; a lock file left by a writer is not a tag, nor is the peeled
    // value packed-refs keeps of an annotated tag (`v1^{}`, after `git pack-refs` or `git gc`).
    const names = await git.listRefs({ fs, gitdir: this.gitdir, filepath: 'refs/tags' });
    return names.filter((n) => !n.endsWith('.lock') && !n.endsWith('^{}')).sort();
  }

  async list(): Promise<StoredTag[]> {
    const tags = await Promise.all((await this.names()).map((name) => this.get(name)));
    return tags.filter((t): t is StoredTag => t !== null);
  }

  async get(name: string): Promise<StoredTag | null> {
    const oid = await this.refs.read(`${TAGS}${name}`);
    if (!oid) return null;
    if ((await this.objects.typeOf(oid)) !== 'tag') return { name, oid, target: oid, annotated: false, tagger: null, message: null };
    const tag = await this.objects.readTag(oid);
    return { name, oid, target: await this.peel(tag.object), annotated: true, tagger: tag.tagger, message: tag.message };
  }

  /**
   * Writes an annotated tag of `commit` and creates its ref. The lock is taken before the object is written
   * and the ref must not exist when it is renamed into place: a concurrent creation of the same name loses.
   */
  async create(
    name: string,
    commit: string,
    tagger: Signature,
    message: string,
    /** Runs once the object is written and before the ref is, under the ref's lock (replicas: the remote's ref moves first). */
    beforeRef: (object: EncodedObject) => Promise<void> = () => Promise.resolve(),
  ): Promise<StoredTag> {
    await this.refuseConflicts(name);
    const object = this.objects.encodeTag({ object: commit, type: 'commit', name, tagger, message });
    const ref = `${TAGS}${name}`;
    const update = await this.refs.lock(ref, object.oid);
    try {
      // Whoever held the lock before may have just created the tag: then there is no object to write.
      const current = await this.refs.read(ref);
      if (current) throw new TagExistsInRepositoryError(name, current);
      await this.objects.writeAll([object]);
      await beforeRef(object);
      await (
        await update.commit(null)
      ).durable;
    } catch (error) {
      if (error instanceof RefMovedError && error.actual) throw new TagExistsInRepositoryError(name, error.actual);
      throw error;
    } finally {
      update.release();
    }
    return { name, oid: object.oid, target: commit, annotated: true, tagger, message };
  }

  /** Deletes the tag if it still points where `expected` says (under the ref's lock). */
  remove(name: string, expected: string): Promise<void> {
    return this.refs.remove(`${TAGS}${name}`, expected);
  }

  private async refuseConflicts(name: string): Promise<void> {
    const existing = await this.names();
    const clash = existing.find((other) => other !== name && (other.startsWith(`${name}/`) || name.startsWith(`${other}/`)));
    if (clash) throw new TagPathConflictError(name, clash);
  }

  private async peel(oid: string): Promise<string> {
    let current = oid;
    for (let i = 0; i < MAX_PEEL; i += 1) {
      if ((await this.objects.typeOf(current)) !== 'tag') return current;
      current = (await this.objects.readTag(current)).object;
    }
    return current;
  }
}
