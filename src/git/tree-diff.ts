import type { ObjectStore } from './object-store.js';
import { type TreeEntry, isTreeMode } from './object-format.js';

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

async function entriesOf(objects: ObjectStore, oid: string | null): Promise<readonly TreeEntry[]> {
  return oid ? objects.readTree(oid) : [];
}

async function walk(objects: ObjectStore, oldTree: string | null, newTree: string | null, base: string, out: PathChange[]): Promise<void> {
  if (oldTree === newTree) return;
  const [before, after] = await Promise.all([entriesOf(objects, oldTree), entriesOf(objects, newTree)]);
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
  if (inNameOrder(before) && inNameOrder(after)) mergeByName(before, after, compare);
  else pairByName(before, after, compare);
  await Promise.all(nested);
}

/**
 * Both lists in name order, as git writes trees (and Cairn does): one pass pairs the entries of the same name. A
 * name that is a file on one side and a folder on the other is one pair, as in `pairByName`.
 */
function mergeByName(before: readonly TreeEntry[], after: readonly TreeEntry[], visit: (a: TreeEntry | undefined, b: TreeEntry | undefined) => void): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const a = before[i];
    const b = after[j];
    if (a && b && a.name === b.name) {
      visit(a, b);
      i += 1;
      j += 1;
    } else if (b === undefined || (a !== undefined && a.name < b.name)) {
      visit(a, undefined);
      i += 1;
    } else {
      visit(undefined, b);
      j += 1;
    }
  }
}

/** Trees written out of order by some other tool: entries paired through a map (what every diff did before). */
function pairByName(before: readonly TreeEntry[], after: readonly TreeEntry[], visit: (a: TreeEntry | undefined, b: TreeEntry | undefined) => void): void {
  const old = new Map(before.map((e) => [e.name, e]));
  for (const b of after) {
    visit(old.get(b.name), b);
    old.delete(b.name);
  }
  for (const a of old.values()) visit(a, undefined);
}

/**
 * Strictly increasing names (JavaScript's order, which mergeByName compares with): git's own order (a folder's name
 * compared as if it ended in "/") differs from it only where one name is a prefix of another, which this catches.
 */
function inNameOrder(entries: readonly TreeEntry[]): boolean {
  for (let k = 1; k < entries.length; k += 1) if (!((entries[k - 1]?.name ?? '') < (entries[k]?.name ?? ''))) return false;
  return true;
}
