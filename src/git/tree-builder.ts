import type { ObjectStore } from './object-store.js';
import { BLOB_MODE, type EncodedObject, TREE_MODE, type TreeEntry, isTreeMode } from './object-format.js';

/** A file would have to become a directory or the other way round; Git allows it, but it would silently drop data. */
export class PathCollisionError extends Error {
  readonly code = 'PATH_COLLISION';
  constructor(readonly entryName: string) {
    super(`'${entryName}' is a file on one side and a directory on the other`);
  }
}

/** New blob id per path, or null to remove the path. */
export type BlobChanges = ReadonlyMap<string, string | null>;

export interface BuiltTree {
  /** null when the result is an empty tree at a nested level (the caller drops the entry). */
  readonly oid: string | null;
  readonly objects: EncodedObject[];
}

/**
 * Applies path changes to a tree and returns the new root with the tree objects to write. Only trees on the
 * changed paths are read and re-encoded; a directory left empty disappears, as in Git.
 */
export async function buildTree(objects: ObjectStore, baseTree: string | null, changes: BlobChanges): Promise<{ oid: string; objects: EncodedObject[] }> {
  const built = await rebuild(objects, baseTree, changes);
  if (built.oid !== null) return { oid: built.oid, objects: built.objects };
  const empty = objects.encodeTree([]);
  return { oid: empty.oid, objects: [...built.objects, empty] };
}

async function rebuild(objects: ObjectStore, treeOid: string | null, changes: BlobChanges): Promise<BuiltTree> {
  const entries = new Map<string, TreeEntry>((treeOid ? (await objects.readTree(treeOid)).entries() : []).map((e) => [e.name, e]));
  const byChild = groupByFirstSegment(changes);
  const written: EncodedObject[] = [];
  await Promise.all(
    [...byChild].map(async ([name, group]) => {
      const existing = entries.get(name);
      const existingTree = existing && isTreeMode(existing.mode) ? existing.oid : null;
      const existingBlob = existing && !isTreeMode(existing.mode) ? existing.oid : null;
      // A name may change kind in one write (a file deleted and a folder of the same name created, or the
      // other way round): both the leaf change and the changes under it apply, then at most one may remain.
      let tree = existingTree;
      if (group.nested.size > 0) {
        const child = await rebuild(objects, existingTree, group.nested);
        written.push(...child.objects);
        tree = child.oid;
      }
      const blob = group.leaf === undefined ? existingBlob : group.leaf;
      if (tree !== null && blob !== null) throw new PathCollisionError(name);
      if (tree !== null) entries.set(name, { name, mode: TREE_MODE, oid: tree });
      else if (group.leaf !== undefined && group.leaf !== null) entries.set(name, { name, mode: BLOB_MODE, oid: group.leaf });
      else if (blob === null) entries.delete(name);
      // else: an untouched file stays exactly as it was (its mode too)
    }),
  );
  if (entries.size === 0) return { oid: null, objects: written };
  const encoded = objects.encodeTree([...entries.values()]);
  return { oid: encoded.oid, objects: [...written, encoded] };
}

interface ChildChanges {
  leaf?: string | null;
  nested: Map<string, string | null>;
}

function groupByFirstSegment(changes: BlobChanges): Map<string, ChildChanges> {
  const groups = new Map<string, ChildChanges>();
  for (const [path, oid] of changes) {
    const slash = path.indexOf('/');
    const name = slash < 0 ? path : path.slice(0, slash);
    const group: ChildChanges = groups.get(name) ?? { nested: new Map() };
    if (slash < 0) group.leaf = oid;
    else group.nested.set(path.slice(slash + 1), oid);
    groups.set(name, group);
  }
  return groups;
}
