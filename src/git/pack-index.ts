import { promises as fsp } from 'node:fs';

const MAGIC = 0xff744f63;

/**
 * A version 2 pack index (`.idx`), kept as the file's own bytes and searched in place: no map of every object
 * id, so memory grows by ~28 bytes per packed object rather than by a JavaScript string and map entry.
 */
export class PackIndex {
  private constructor(
    private readonly buffer: Buffer,
    readonly count: number,
    /** Every object's offset in the pack, ascending: the next offset bounds an object's compressed bytes. */
    readonly sortedOffsets: Float64Array,
  ) {}

  static async load(file: string): Promise<PackIndex> {
    const buffer = await fsp.readFile(file);
    if (buffer.readUInt32BE(0) !== MAGIC || buffer.readUInt32BE(4) !== 2) throw new Error(`${file}: not a version 2 pack index`);
    const count = buffer.readUInt32BE(8 + 255 * 4);
    const index = new PackIndex(buffer, count, new Float64Array(0));
    const offsets = new Float64Array(count);
    for (let i = 0; i < count; i += 1) offsets[i] = index.offsetAt(i);
    offsets.sort();
    return new PackIndex(buffer, count, offsets);
  }

  /** The pack offset of `oid`, or -1. */
  find(oid: string): number {
    const i = this.position(Buffer.from(oid, 'hex'));
    return i < 0 ? -1 : this.offsetAt(i);
  }

  /** Object ids starting with the hex `prefix` (at most `limit` of them). */
  matchPrefix(prefix: string, limit: number): string[] {
    const even = prefix.length % 2 === 0 ? prefix : `${prefix}0`;
    const low = Buffer.alloc(20);
    Buffer.from(even, 'hex').copy(low);
    let i = this.lowerBound(low);
    const found: string[] = [];
    while (i < this.count && found.length < limit) {
      const oid = this.oidAt(i);
      if (!oid.startsWith(prefix)) break;
      found.push(oid);
      i += 1;
    }
    return found;
  }

  /** Every object's id and offset, in the order of the ids. */
  *entries(): Generator<{ readonly oid: string; readonly offset: number }> {
    for (let i = 0; i < this.count; i += 1) yield { oid: this.oidAt(i), offset: this.offsetAt(i) };
  }

  /** The end of the object that starts at `offset` (the next object's start, or the pack's trailer). */
  endOf(offset: number, packSize: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.sortedOffsets[mid] ?? Infinity) <= offset) lo = mid + 1;
      else hi = mid;
    }
    return this.sortedOffsets[lo] ?? packSize - 20;
  }

  private get shaStart(): number {
    return 8 + 256 * 4;
  }

  private oidAt(i: number): string {
    return this.buffer.toString('hex', this.shaStart + i * 20, this.shaStart + i * 20 + 20);
  }

  private offsetAt(i: number): number {
    const table = this.shaStart + this.count * 24;
    const small = this.buffer.readUInt32BE(table + i * 4);
    if (!(small & 0x80000000)) return small;
    const large = table + this.count * 4 + (small & 0x7fffffff) * 8;
    return Number(this.buffer.readBigUInt64BE(large));
  }

  private compareAt(i: number, key: Buffer): number {
    const start = this.shaStart + i * 20;
    return this.buffer.compare(key, 0, 20, start, start + 20);
  }

  private lowerBound(key: Buffer): number {
    const first = key[0] ?? 0;
    let lo = first === 0 ? 0 : this.buffer.readUInt32BE(8 + (first - 1) * 4);
    let hi = this.buffer.readUInt32BE(8 + first * 4);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compareAt(mid, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private position(key: Buffer): number {
    const i = this.lowerBound(key);
    return i < this.count && this.compareAt(i, key) === 0 ? i : -1;
  }
}
