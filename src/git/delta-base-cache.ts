import type { ObjectType } from './object-format.js';

/** An object as a pack or a loose file holds it: its type and inflated content. */
export interface RawObject {
  readonly type: ObjectType;
  readonly content: Buffer;
}

/** Bytes of objects one pack keeps (Git's own core.deltaBaseCacheLimit is 96 MiB per process). */
export const DELTA_BASE_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * The objects of one pack resolved lately, by offset, least recently used forgotten first, bounded by their bytes.
 * A count bound held either too little or too much: fast-import chains every blob 50 deep, and a diff of 1,000
 * small documents walks about 20,000 objects of a few hundred bytes, which 2,048 entries forgot between two diffs,
 * while 2,048 documents of 1 MiB would have been 2 GiB.
 */
export class DeltaBaseCache {
  private readonly map = new Map<number, RawObject>();
  private bytes = 0;

  constructor(private readonly maxBytes = DELTA_BASE_CACHE_BYTES) {}

  get(offset: number): RawObject | undefined {
    const object = this.map.get(offset);
    if (object) {
      this.map.delete(offset);
      this.map.set(offset, object);
    }
    return object;
  }

  set(offset: number, object: RawObject): void {
    // Larger than a quarter of the budget: kept, it would push out everything else.
    if (object.content.length > this.maxBytes / 4) return;
    const old = this.map.get(offset);
    if (old) {
      this.map.delete(offset);
      this.bytes -= old.content.length;
    }
    this.map.set(offset, object);
    this.bytes += object.content.length;
    for (const [key, value] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(key);
      this.bytes -= value.content.length;
    }
  }
}
