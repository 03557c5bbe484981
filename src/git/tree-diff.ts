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

async function entriesOf(objects: ObjectStore, oid: string | null): Promise<Map<string, TreeEntry>> {
  if (!oid) return new Map();
  return new Map((await objects.readTree(oid)).map((e) => [e.name, e]));
}

async function walk(objects: ObjectStore, oldTree: string | null, newTree: string | null, base: string, out: PathChange[]): Promise<void> {
  if (oldTree === newTree) return;
  const [before, after] = await Promise.all([entriesOf(objects, oldTree), entriesOf(objects, newTree)]);
  const names = new Set([...before.keys(), ...after.keys()]);
  const nested: Promise<void>[] = [];
  for (const name of names) {
    const a = before.get(name);
    const b = after.get(name);
    if (a && b && a.oid === b.oid && a.mode === b.mode) continue;
    const path = `${base}${name}`;
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
  await Promise.all(nested);
}
