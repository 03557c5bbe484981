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

/**
 * A tree's entries by name, kept as long as its parsed entries are (the object store's cache): a diff of two wide
 * versions looks up every name of a hundred 200-entry trees, and building maps and name sets for both sides on
 * every diff was half its time.
 */
const byName = new WeakMap<readonly TreeEntry[], ReadonlyMap<string, TreeEntry>>();

function indexed(entries: readonly TreeEntry[]): ReadonlyMap<string, TreeEntry> {
  let map = byName.get(entries);
  if (!map) {
    map = new Map(entries.map((e) => [e.name, e]));
    byName.set(entries, map);
  }
  return map;
}

const NO_ENTRIES: readonly TreeEntry[] = [];

function entriesOf(objects: ObjectStore, oid: string | null): Promise<readonly TreeEntry[]> | readonly TreeEntry[] {
  return oid ? objects.readTree(oid) : NO_ENTRIES;
}

async function walk(objects: ObjectStore, oldTree: string | null, newTree: string | null, base: string, out: PathChange[]): Promise<void> {
  if (oldTree === newTree) return;
  const [before, after] = await Promise.all([entriesOf(objects, oldTree), entriesOf(objects, newTree)]);
  const beforeByName = indexed(before);
  const afterByName = indexed(after);
  const nested: Promise<void>[] = [];
  for (const a of before) compare(objects, a, afterByName.get(a.name), base, out, nested);
  for (const b of after) if (!beforeByName.has(b.name)) compare(objects, undefined, b, base, out, nested);
  await Promise.all(nested);
}

/** One name of two trees: nothing when the same, a nested walk for trees, a change for blobs. */
function compare(objects: ObjectStore, a: TreeEntry | undefined, b: TreeEntry | undefined, base: string, out: PathChange[], nested: Promise<void>[]): void {
  if (a && b && a.oid === b.oid && a.mode === b.mode) return;
  const path = `${base}${(a ?? b)!.name}`;
  const aTree = a && isTreeMode(a.mode) ? a.oid : null;
  const bTree = b && isTreeMode(b.mode) ? b.oid : null;
  if (aTree || bTree) nested.push(walk(objects, aTree, bTree, `${path}/`, out));
  const aBlob = a && !isTreeMode(a.mode) ? a.oid : null;
  const bBlob = b && !isTreeMode(b.mode) ? b.oid : null;
  if (aBlob !== bBlob) {
    const status: PathStatus = aBlob === null ? 'added' : bBlob === null ? 'deleted' : 'modified';
    out.push({ path, status, oldOid: aBlob, newOid: bBlob });
  }
}
