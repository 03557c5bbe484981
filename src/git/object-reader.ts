import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { ObjectType } from './object-format.js';
import type { ObjectFs } from './object-fs.js';
import { PackFile, type RawObject, compact } from './pack-file.js';

/**
 * Finds and inflates objects: in every pack, and loose (what Cairn writes) (what `git gc`, clones and
 * fast-import make). A pack that appears later (an outside `git gc` moved loose objects into it) is picked up
 * when an object is not found where it was looked for.
 */
/** How long packs replaced by a refresh stay open for reads already under way. */
const PACK_CLOSE_GRACE_MS = 10_000;

export class ObjectReader {
  private packs: Promise<PackFile[]> | null = null;

  constructor(
    private readonly gitdir: string,
    private readonly fs: ObjectFs,
  ) {}

  /** Packs first: a miss there is a binary search in memory, a miss among loose objects is a file system call. */
  async read(oid: string): Promise<RawObject | null> {
    const found = (await this.readPacked(oid, await this.openPacks())) ?? (await this.readLoose(oid));
    if (found) return found;
    await this.refreshPacks();
    return (await this.readPacked(oid, await this.openPacks())) ?? this.readLoose(oid);
  }

  /** Full ids that start with `prefix`, loose and packed, at most `limit` (2 tells unique from ambiguous). */
  async matchPrefix(prefix: string, limit = 2): Promise<string[]> {
    const found = new Set<string>();
    const dir = path.join(this.gitdir, 'objects', prefix.slice(0, 2));
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      if (/^[0-9a-f]{38}$/.test(name) && `${prefix.slice(0, 2)}${name}`.startsWith(prefix)) found.add(`${prefix.slice(0, 2)}${name}`);
    }
    for (const pack of await this.openPacks()) for (const oid of pack.index.matchPrefix(prefix, limit)) found.add(oid);
    return [...found].slice(0, limit);
  }

  /**
   * Forgets the pack list so it is read again. The packs open until now are closed after `graceMs`: a read that
   * started before the refresh may still be between two reads of one of them (a delta and its base).
   */
  async refreshPacks(graceMs = PACK_CLOSE_GRACE_MS): Promise<void> {
    const old = this.packs;
    this.packs = null;
    this.fs.packsChanged();
    if (!old) return;
    const close = async (): Promise<void> => {
      await Promise.all((await old).map((p) => p.close()));
    };
    if (graceMs === 0) return close();
    setTimeout(() => void close().catch(() => undefined), graceMs).unref();
  }

  /** A pack this process just wrote joins the open ones (the others stay open: no re-listing, no re-reading their indexes). */
  async addPack(packPath: string): Promise<void> {
    if (!this.packs) return;
    const added = await PackFile.open(packPath, (oid) => this.read(oid));
    const current = this.packs;
    // Chained on the list as it is now: another pack added meanwhile (a fold beside a batch) stays; a list read again
    // meanwhile may hold this one already.
    if (current) {
      const packs = current.then((open) => (open.some((p) => p.path === packPath) ? open : [added, ...open]));
      this.packs = packs;
      // A listing that failed is not kept (see openPacks), nor left unhandled.
      packs.catch(() => {
        if (this.packs === packs) this.packs = null;
      });
    }
    this.fs.packsChanged();
  }

  private async readLoose(oid: string): Promise<RawObject | null> {
    let file: Buffer;
    try {
      file = (await this.fs.promises.readFile(path.join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2)))) as Buffer;
    } catch {
      return null;
    }
    const raw = inflateSync(file);
    const space = raw.indexOf(0x20);
    const nul = raw.indexOf(0, space);
    return { type: raw.toString('latin1', 0, space) as ObjectType, content: compact(raw.subarray(nul + 1)) };
  }

  private async readPacked(oid: string, packs: readonly PackFile[]): Promise<RawObject | null> {
    for (const pack of packs) {
      const found = await pack.read(oid).catch(missingPack);
      if (found) return found;
    }
    return null;
  }

  /**
   * The packs there are, opened once per listing. A pack listed but removed before it was opened (a fold or git's
   * repack finishing) is left out; a listing that failed is not kept, the next read lists again.
   */
  private openPacks(): Promise<PackFile[]> {
    if (this.packs) return this.packs;
    const listing = (async () => {
      const dir = path.join(this.gitdir, 'objects', 'pack');
      const names = (await this.fs.promises.readdir(dir)).filter((n) => n.endsWith('.pack'));
      const opened = await Promise.all(names.map((n) => PackFile.open(path.join(dir, n), (oid) => this.read(oid)).catch(missingPack)));
      return opened.filter((pack): pack is PackFile => pack !== null);
    })();
    this.packs = listing;
    listing.catch(() => {
      if (this.packs === listing) this.packs = null;
    });
    return listing;
  }
}

/**
 * A pack repacked away while its descriptor was closed (PackHandles keeps only so many open) cannot be reopened:
 * a miss, so that the read looks again in the packs there are now.
 */
function missingPack(error: unknown): null {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw error;
}
