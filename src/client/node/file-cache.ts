import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { type Snapshot, type SnapshotCache, sealed, unsealed } from '../snapshot.js';

/**
 * The last good snapshot in one file (Apollo's local cache file, Nacos' failover snapshot): written to a temporary
 * file, flushed, then renamed over the old one, with its digest inside, so a crash leaves the old copy or the new
 * one, and a torn or edited file is not used.
 */
export class FileCache<D> implements SnapshotCache<D> {
  constructor(private readonly file: string) {}

  async load(): Promise<Snapshot<D> | null> {
    return unsealed<D>(await readFile(this.file, 'utf8').catch(() => null));
  }

  async save(snapshot: Snapshot<D>): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(await sealed(snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
  }
}
