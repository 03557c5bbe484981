import { promises as fsp } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { type SharedCache, cacheBudget } from './cache-budget.js';
import type { ObjectType } from './object-format.js';
import { PackIndex } from './pack-index.js';
import { packHandles } from './pack-handles.js';

export interface RawObject {
  readonly type: ObjectType;
  readonly content: Buffer;
}

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OFS_DELTA = 6;
const REF_DELTA = 7;
/** What a cached object costs beyond its content: the object, the buffer's header, the key. */
const OBJECT_OVERHEAD = 160;

/**
 * Reads objects from one pack: the index locates an object, one positioned read fetches its compressed bytes,
 * Node's zlib inflates them, deltas are applied against bases kept in a bounded cache. isomorphic-git's reader
 * holds the whole pack in memory, inflates with pako and caches every object it ever resolved without bound:
 * at 100k versions that was several seconds per history walk and hundreds of megabytes.
 *
 * The file itself is opened through the process's PackHandles (a bounded number open at once, whatever the
 * number of repositories), and the bases draw on the process's cache budget.
 */
export class PackFile {
  private readonly bases: SharedCache<number, RawObject> = cacheBudget.view((o) => o.content.length + OBJECT_OVERHEAD);

  private constructor(
    private readonly file: string,
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
    packHandles.close(this.file);
    return Promise.resolve();
  }

  private async readAt(offset: number): Promise<RawObject> {
    const cached = this.bases.get(offset);
    if (cached) return cached;
    const end = this.index.endOf(offset, this.size);
    const bytes = Buffer.allocUnsafe(end - offset);
    // A synchronous positioned read: a delta chain is tens of small reads from the page cache, where a promise
    // round trip per read costs more than the read itself.
    packHandles.read(this.file, bytes, offset);
    let pos = 0;
    let byte = bytes[pos++] ?? 0;
    const kind = (byte >> 4) & 7;
    while (byte & 0x80) byte = bytes[pos++] ?? 0;
    let object: RawObject;
    if (kind === OFS_DELTA) {
      byte = bytes[pos++] ?? 0;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        byte = bytes[pos++] ?? 0;
        distance = (distance + 1) * 128 + (byte & 0x7f);
      }
      const base = await this.readAt(offset - distance);
      object = { type: base.type, content: applyDelta(base.content, inflateSync(bytes.subarray(pos))) };
    } else if (kind === REF_DELTA) {
      const baseOid = bytes.toString('hex', pos, pos + 20);
      const base = (await this.read(baseOid)) ?? (await this.resolveExternal(baseOid));
      if (!base) throw new Error(`pack: missing delta base ${baseOid}`);
      object = { type: base.type, content: applyDelta(base.content, inflateSync(bytes.subarray(pos + 20))) };
    } else {
      const type = TYPES[kind];
      if (!type) throw new Error(`pack: unknown object type ${kind} at offset ${offset}`);
      object = { type, content: compact(inflateSync(bytes.subarray(pos))) };
    }
    this.bases.set(offset, object);
    return object;
  }
}

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
