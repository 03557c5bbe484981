import { BLOB_MODE, TREE_MODE, type TreeEntry } from './object-format.js';

const SPACE = 0x20;
const OID_BYTES = 20;
const BLOB_MODE_BYTES = Buffer.from(BLOB_MODE, 'latin1');
const TREE_MODE_BYTES = Buffer.from(TREE_MODE, 'latin1');
/** What a cached tree costs beyond its bytes and offsets: the two objects and the cache's entry. */
const TREE_OVERHEAD = 200;

/**
 * A tree object as read: its bytes and where each entry starts, each entry's name, mode and id decoded only when
 * asked. A cached tree is two objects whatever its size: parsed into an object and three strings per entry, the
 * trees of a 20,000-document namespace outgrew the cache budget (every diff read and parsed them again) and gave
 * the garbage collector millions of objects to mark. Entries the same on both sides of a diff compare as bytes.
 */
export class Tree {
  static readonly EMPTY = new Tree(Buffer.alloc(0), Uint32Array.of(0), new Uint32Array(0));
  /** Computed on first use: see inNameOrder. */
  private sorted: boolean | null = null;

  private constructor(
    private readonly bytes: Buffer,
    /** Where entry i starts; one more at the end, where the last entry ends. */
    private readonly starts: Uint32Array,
    /** Where entry i's name starts (after its mode and a space); it ends where the entry's NUL and id begin. */
    private readonly nameStarts: Uint32Array,
  ) {}

  /** `content` is copied: it may be a view of a larger buffer that must not stay alive with the cache. */
  static parse(content: Uint8Array): Tree {
    const bytes = Buffer.allocUnsafeSlow(content.length);
    bytes.set(content);
    const starts: number[] = [];
    const nameStarts: number[] = [];
    let pos = 0;
    while (pos < bytes.length) {
      const space = bytes.indexOf(SPACE, pos);
      const nul = bytes.indexOf(0, space);
      if (space < 0 || nul < 0 || nul + 1 + OID_BYTES > bytes.length) throw new Error('malformed tree object');
      starts.push(pos);
      nameStarts.push(space + 1);
      pos = nul + 1 + OID_BYTES;
    }
    starts.push(bytes.length);
    return new Tree(bytes, Uint32Array.from(starts), Uint32Array.from(nameStarts));
  }

  get length(): number {
    return this.starts.length - 1;
  }

  /** What the tree holds in memory, for the cache budget. */
  get weight(): number {
    return this.bytes.length + this.starts.byteLength + this.nameStarts.byteLength + TREE_OVERHEAD;
  }

  entry(i: number): TreeEntry {
    const nameStart = this.nameStart(i);
    const nameEnd = this.nameEnd(i);
    return {
      mode: this.modeText(this.starts[i] ?? 0, nameStart - 1),
      name: this.bytes.toString('utf8', nameStart, nameEnd),
      oid: this.bytes.toString('hex', nameEnd + 1, nameEnd + 1 + OID_BYTES),
    };
  }

  entries(): TreeEntry[] {
    return Array.from({ length: this.length }, (_, i) => this.entry(i));
  }

  /** The entry named `name`, or undefined: compared as bytes, so no other entry is decoded. */
  find(name: string): TreeEntry | undefined {
    const wanted = Buffer.from(name, 'utf8');
    for (let i = 0; i < this.length; i += 1) if (wanted.compare(this.bytes, this.nameStart(i), this.nameEnd(i)) === 0) return this.entry(i);
    return undefined;
  }

  /** Entry i's name as stored (UTF-8 bytes). */
  name(i: number): Buffer {
    return this.bytes.subarray(this.nameStart(i), this.nameEnd(i));
  }

  /** Entry i's name here against entry j's of `other`, as bytes (negative: i's comes first). Ranges, not copies. */
  compareNames(i: number, other: Tree, j: number): number {
    return this.bytes.compare(other.bytes, other.nameStart(j), other.nameEnd(j), this.nameStart(i), this.nameEnd(i));
  }

  /**
   * Whether entry i here and entry j of `other` are the same: mode, name and id, byte for byte. Compared here, from
   * the id's end (where two versions of an entry differ first), rather than by Buffer.compare: a native call per
   * entry cost more than the forty-odd bytes it compares (a wide diff pairs 20,000 entries).
   */
  sameEntry(i: number, other: Tree, j: number): boolean {
    const start = this.starts[i] ?? 0;
    const otherStart = other.starts[j] ?? 0;
    const length = (this.starts[i + 1] ?? 0) - start;
    if ((other.starts[j + 1] ?? 0) - otherStart !== length) return false;
    const bytes = this.bytes;
    const otherBytes = other.bytes;
    for (let k = length - 1; k >= 0; k -= 1) if (bytes[start + k] !== otherBytes[otherStart + k]) return false;
    return true;
  }

  /** Names strictly increasing as bytes, so two trees pair their entries in one pass (see tree-diff.ts). */
  inNameOrder(): boolean {
    if (this.sorted === null) {
      this.sorted = true;
      for (let k = 1; k < this.length && this.sorted; k += 1) this.sorted = this.compareNames(k - 1, this, k) < 0;
    }
    return this.sorted;
  }

  private nameStart(i: number): number {
    return this.nameStarts[i] ?? 0;
  }

  private nameEnd(i: number): number {
    return (this.starts[i + 1] ?? 0) - OID_BYTES - 1;
  }

  /** The two modes Cairn writes are shared strings, not one more string per entry. */
  private modeText(start: number, space: number): string {
    const mode = this.bytes.subarray(start, space);
    if (mode.equals(BLOB_MODE_BYTES)) return BLOB_MODE;
    if (mode.equals(TREE_MODE_BYTES)) return TREE_MODE;
    return mode.toString('latin1');
  }
}
