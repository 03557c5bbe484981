import { promises as fsp } from 'node:fs';
import { inflateSync } from 'node:zlib';
import type { ObjectType } from './object-format.js';
import { type SharedCache, cacheBudget } from './cache-budget.js';
import { PackIndex } from './pack-index.js';
import { packHandles } from './pack-handles.js';

/** An object as a pack or a loose file holds it: its type and inflated content. */
export interface RawObject {
  readonly type: ObjectType;
  readonly content: Buffer;
}

/** What a cached object costs beyond its content: the object, the buffer's header, the key. */
const OBJECT_OVERHEAD = 160;

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
/**
 * The compressed bytes of one entry, read by every pack of the process one entry at a time: each is inflated out of
 * it before the next read (entryAt is synchronous), so nothing kept points into it.
 */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);

/** Of a delta chain walked for one read, every how many steps an intermediate object is kept (see applyChain). */
const CHECKPOINT_EVERY = 8;

const OFS_DELTA = 6 as const;
const REF_DELTA = 7 as const;

/**
 * Reads objects from one pack: the index locates an object, one positioned read fetches its compressed bytes,
 * Node's zlib inflates them, deltas are applied against bases kept in a bounded cache. isomorphic-git's reader
 * holds the whole pack in memory, inflates with pako and caches every object it ever resolved without bound:
 * at 100k versions that was several seconds per history walk and hundreds of megabytes.
 *
 * The file itself is opened through the process's PackHandles (a bounded number open at once, whatever the
 * number of repositories), and the bases draw on the process's cache budget (bounded by bytes: fast-import chains
 * every blob 50 deep, and a diff of 1,000 small documents walks about 20,000 objects of a few hundred bytes).
 */
export class PackFile {
  /** Entries read from the pack file so far: what a read costs, whatever the cache held. */
  entriesRead = 0;
  private readonly bases: SharedCache<number, RawObject> = cacheBudget.view((o) => o.content.length + OBJECT_OVERHEAD);

  private constructor(
    readonly path: string,
    private readonly size: number,
    readonly index: PackIndex,
    private readonly resolveExternal: (oid: string) => Promise<RawObject | null>,
  ) {}

  static async open(packPath: string, resolveExternal: (oid: string) => Promise<RawObject | null>): Promise<PackFile> {
    const index = await PackIndex.load(packPath.replace(/\.pack$/, '.idx'));
    const { size } = await fsp.stat(packPath);
    return new PackFile(packPath, size, index, resolveExternal);
  }

  async read(oid: string): Promise<RawObject | null> {
    const offset = this.index.find(oid);
    return offset < 0 ? null : this.readAt(offset);
  }

  /** Closes the file if it is open (a later read would open it again). */
  close(): Promise<void> {
    packHandles.close(this.path);
    return Promise.resolve();
  }

  /**
   * The object at `offset`. Its chain of offset deltas is walked down to a cached object or a whole object and
   * applied back up, caching each step, all synchronously: only a ref delta's base is awaited. A walk that awaited
   * at every step let a thousand concurrent reads (a diff's documents) each walk the same chains before any had
   * cached a step, and fast-import chains the blobs of unrelated paths 50 deep.
   */
  private readAt(offset: number): RawObject | Promise<RawObject> {
    const cached = this.bases.get(offset);
    if (cached) return cached;
    const deltas: PendingDelta[] = [];
    let entry = this.entryAt(offset);
    while (entry.kind === OFS_DELTA) {
      deltas.push(entry);
      const base = this.bases.get(entry.baseOffset);
      if (base) return this.applyChain(base, deltas);
      entry = this.entryAt(entry.baseOffset);
    }
    if (entry.kind === REF_DELTA) return this.viaRefDelta(entry, deltas);
    this.bases.set(entry.offset, entry.object);
    return this.applyChain(entry.object, deltas);
  }

  private async viaRefDelta(entry: RefDeltaEntry, deltas: PendingDelta[]): Promise<RawObject> {
    const base = (await this.read(entry.baseOid)) ?? (await this.resolveExternal(entry.baseOid));
    if (!base) throw new Error(`pack: missing delta base ${entry.baseOid}`);
    return this.applyChain(base, [...deltas, entry]);
  }

  /**
   * Applies `deltas` (topmost first) from the bottom up. It caches the object asked for and every
   * CHECKPOINT_EVERY-th step below it, not every step: one read of the head tree of a fast-imported history walks
   * 49 bases, and keeping all of them filled the budget with trees read once (a thousand namespaces touched once
   * held 49,000). A later read of another version walks at most CHECKPOINT_EVERY - 1 uncached steps.
   */
  private applyChain(bottom: RawObject, deltas: readonly PendingDelta[]): RawObject {
    let object = bottom;
    for (let i = deltas.length - 1; i >= 0; i -= 1) {
      const delta = deltas[i]!;
      object = { type: object.type, content: applyDelta(object.content, delta.delta) };
      if (i === 0 || (deltas.length - i) % CHECKPOINT_EVERY === 0) this.bases.set(delta.offset, object);
    }
    return object;
  }

  /** One positioned read of the entry at `offset`, inflated: a whole object, or a delta and where its base is. */
  private entryAt(offset: number): PackEntry {
    this.entriesRead += 1;
    const bytes = this.scratchFor(this.index.endOf(offset, this.size) - offset);
    // A synchronous positioned read: a delta chain is tens of small reads from the page cache, where a promise
    // round trip per read costs more than the read itself.
    packHandles.read(this.path, bytes, offset);
    let pos = 0;
    let byte = bytes[pos++] ?? 0;
    const kind = (byte >> 4) & 7;
    while (byte & 0x80) byte = bytes[pos++] ?? 0;
    if (kind === OFS_DELTA) {
      byte = bytes[pos++] ?? 0;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        byte = bytes[pos++] ?? 0;
        distance = (distance + 1) * 128 + (byte & 0x7f);
      }
      return { kind, offset, baseOffset: offset - distance, delta: inflateSync(bytes.subarray(pos)) };
    }
    if (kind === REF_DELTA) return { kind, offset, baseOid: bytes.toString('hex', pos, pos + 20), delta: inflateSync(bytes.subarray(pos + 20)) };
    const type = TYPES[kind];
    if (!type) throw new Error(`pack: unknown object type ${kind} at offset ${offset}`);
    return { kind: 'whole', offset, object: { type, content: compact(inflateSync(bytes.subarray(pos))) } };
  }

  private scratchFor(length: number): Buffer {
    if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, scratch.length * 2));
    return scratch.subarray(0, length);
  }
}

interface OfsDeltaEntry {
  readonly kind: typeof OFS_DELTA;
  readonly offset: number;
  readonly baseOffset: number;
  /** The inflated delta. */
  readonly delta: Buffer;
}

interface RefDeltaEntry {
  readonly kind: typeof REF_DELTA;
  readonly offset: number;
  readonly baseOid: string;
  readonly delta: Buffer;
}

interface WholeEntry {
  readonly kind: 'whole';
  readonly offset: number;
  readonly object: RawObject;
}

type PendingDelta = OfsDeltaEntry | RefDeltaEntry;
type PackEntry = PendingDelta | WholeEntry;

/**
 * zlib hands back small results as views of a 16 KiB chunk; a cached 1 KiB object would pin all of it. Cached
 * objects get a buffer of their own size instead.
 */
export function compact(buffer: Buffer): Buffer {
  if (buffer.buffer.byteLength <= buffer.length + 1024) return buffer;
  const own = Buffer.allocUnsafeSlow(buffer.length);
  buffer.copy(own);
  return own;
}

function readSize(delta: Buffer, start: number): [number, number] {
  let pos = start;
  let size = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = delta[pos++] ?? 0;
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [size, pos];
}

/** Git's delta format: the target's size, then copy-from-base and insert-literal instructions. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const [baseSize, afterBase] = readSize(delta, 0);
  if (baseSize !== base.length) throw new Error(`pack: delta expects a ${baseSize}-byte base, got ${base.length}`);
  const [targetSize, afterTarget] = readSize(delta, afterBase);
  let pos = afterTarget;
  const target = Buffer.allocUnsafeSlow(targetSize);
  let out = 0;
  while (pos < delta.length) {
    const op = delta[pos++] ?? 0;
    if (op & 0x80) {
      let copyOffset = 0;
      let copySize = 0;
      for (let bit = 0; bit < 4; bit += 1) if (op & (1 << bit)) copyOffset += (delta[pos++] ?? 0) * 2 ** (8 * bit);
      for (let bit = 0; bit < 3; bit += 1) if (op & (0x10 << bit)) copySize += (delta[pos++] ?? 0) * 2 ** (8 * bit);
      if (copySize === 0) copySize = 0x10000;
      base.copy(target, out, copyOffset, copyOffset + copySize);
      out += copySize;
    } else if (op > 0) {
      delta.copy(target, out, pos, pos + op);
      pos += op;
      out += op;
    } else {
      throw new Error('pack: invalid delta instruction 0');
    }
  }
  if (out !== targetSize) throw new Error(`pack: delta produced ${out} bytes, expected ${targetSize}`);
  return target;
}
