import type { ObjectStore } from './object-store.js';
import { type TreeEntry, isTreeMode } from './object-format.js';
import { Tree } from './tree.js';

export type PathStatus = 'added' | 'modified' | 'deleted';

export interface PathChange {
  readonly path: string;
  readonly status: PathStatus;
  readonly oldOid: string | null;
  readonly newOid: string | null;
}

/**
 * Blob-level differences between two trees. Subtrees with the same id are skipped without reading them, so the
 * cost follows what changed, not the size of the repository.
 */
export async function diffTrees(objects: ObjectStore, oldTree: string | null, newTree: string | null): Promise<PathChange[]> {
  const changes: PathChange[] = [];
  await walk(objects, oldTree, newTree, '', changes);
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function treeOf(objects: ObjectStore, oid: string | null): Promise<Tree> {
  return oid ? objects.readTree(oid) : Tree.EMPTY;
}

async function walk(objects: ObjectStore, oldTree: string | null, newTree: string | null, base: string, out: PathChange[]): Promise<void> {
  if (oldTree === newTree) return;
  const [before, after] = await Promise.all([treeOf(objects, oldTree), treeOf(objects, newTree)]);
  const nested: Promise<void>[] = [];
  const compare = (a: TreeEntry | undefined, b: TreeEntry | undefined): void => {
    if (a && b && a.oid === b.oid && a.mode === b.mode) return;
    const path = `${base}${(a ?? b)?.name ?? ''}`;
    const aTree = a && isTreeMode(a.mode) ? a.oid : null;
    const bTree = b && isTreeMode(b.mode) ? b.oid : null;
    if (aTree || bTree) nested.push(walk(objects, aTree, bTree, `${path}/`, out));
    const aBlob = a && !isTreeMode(a.mode) ? a.oid : null;
    const bBlob = b && !isTreeMode(b.mode) ? b.oid : null;
    if (aBlob !== bBlob) {
      const status: PathStatus = aBlob === null ? 'added' : bBlob === null ? 'deleted' : 'modified';
      out.push({ path, status, oldOid: aBlob, newOid: bBlob });
    }
  };
  if (before.inNameOrder() && after.inNameOrder()) mergeByName(before, after, compare);
  else pairByName(before.entries(), after.entries(), compare);
  await Promise.all(nested);
}

/**
 * Both trees in name order, as git writes trees (and Cairn does): one pass pairs the entries of the same name, and
 * an entry the same on both sides (most of a wide tree) is skipped as bytes, never decoded. A name that is a file on
 * one side and a folder on the other is one pair, as in `pairByName`.
 */
function mergeByName(before: Tree, after: Tree, visit: (a: TreeEntry | undefined, b: TreeEntry | undefined) => void): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    // Most entries of two versions of a wide tree are the same bytes: one comparison tells name and id at once.
    if (i < before.length && j < after.length && before.sameEntry(i, after, j)) {
      i += 1;
      j += 1;
      continue;
    }
    const order = i === before.length ? 1 : j === after.length ? -1 : before.compareNames(i, after, j);
    if (order === 0) {
      visit(before.entry(i), after.entry(j));
      i += 1;
      j += 1;
    } else if (order < 0) {
      visit(before.entry(i), undefined);
      i += 1;
    } else {
      visit(undefined, after.entry(j));
      j += 1;
    }
  }
}

/**
 * Trees written out of order by some other tool (git's own order compares a folder's name as if it ended in "/",
 * which differs from plain byte order where one name is a prefix of another): entries paired through a map.
 */
function pairByName(before: readonly TreeEntry[], after: readonly TreeEntry[], visit: (a: TreeEntry | undefined, b: TreeEntry | undefined) => void): void {
  const old = new Map(before.map((e) => [e.name, e]));
  for (const b of after) {
    visit(old.get(b.name), b);
    old.delete(b.name);
  }
  for (const a of old.values()) visit(a, undefined);
}
