import type { ObjectStore } from './object-store.js';
import { type TreeEntry, isTreeMode } from './object-format.js';

export interface BlobAtPath {
  readonly path: string;
  readonly oid: string;
}

/** Paths inside a tree, resolved segment by segment: only the trees on the way are read. */
export class TreeReader {
  constructor(private readonly objects: ObjectStore) {}

  async entryAt(treeOid: string, filePath: string): Promise<TreeEntry | null> {
    const segments = filePath.split('/');
    let current = treeOid;
    for (let i = 0; i < segments.length; i += 1) {
      const entry = (await this.objects.readTree(current)).find(segments[i] ?? '');
      if (!entry) return null;
      if (i === segments.length - 1) return entry;
      if (!isTreeMode(entry.mode)) return null;
      current = entry.oid;
    }
    return null;
  }

  async blobAt(treeOid: string, filePath: string): Promise<string | null> {
    const entry = await this.entryAt(treeOid, filePath);
    return entry && !isTreeMode(entry.mode) ? entry.oid : null;
  }

  /** Every blob under `prefix` ('' = all), sorted by path. A prefix may end inside a name ('serv' matches 'services/'). */
  async listBlobs(treeOid: string, prefix = ''): Promise<BlobAtPath[]> {
    const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = dir ? await this.entryAt(treeOid, dir) : { oid: treeOid, mode: '40000', name: '' };
    if (!start || !isTreeMode(start.mode)) return [];
    const found: BlobAtPath[] = [];
    await this.collect(start.oid, dir ? `${dir}/` : '', prefix, found);
    return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private async collect(treeOid: string, base: string, prefix: string, out: BlobAtPath[]): Promise<void> {
    const entries = (await this.objects.readTree(treeOid)).entries();
    await Promise.all(
      entries.map(async (entry) => {
        const full = `${base}${entry.name}`;
        if (isTreeMode(entry.mode)) {
          if (`${full}/`.startsWith(prefix) || prefix.startsWith(`${full}/`)) await this.collect(entry.oid, `${full}/`, prefix, out);
        } else if (full.startsWith(prefix) && entry.mode !== '160000') {
          out.push({ path: full, oid: entry.oid });
        }
      }),
    );
  }
}
