/** CAIRN_CACHE_MB's default: what one busy namespace used to keep in its own caches, now shared by all of them. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

interface Entry {
  readonly value: unknown;
  readonly weight: number;
}

/**
 * One least-recently-used budget, in estimated bytes, for every cache of the process: parsed trees and commits,
 * small blobs, delta bases, decoded index entries, of every repository. Caches of their own per repository grew
 * with the number of namespaces (a thousand namespaces, a thousand sets of caches); this one is bounded once.
 * Git objects are immutable, so an entry never goes stale; it only goes when something more recent needs room.
 */
export class CacheBudget {
  /** Entries by "view:generation:key", least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private used = 0;
  private views = 0;

  constructor(private maxBytes: number) {}

  /** Changes the budget (CAIRN_CACHE_MB), forgetting what exceeds it. */
  setMaxBytes(maxBytes: number): void {
    this.maxBytes = Math.max(0, maxBytes);
    this.evict();
  }

  /** A cache of one kind for one owner (a repository's trees, a pack's delta bases), drawing on this budget. */
  view<K extends string | number, V>(weigh: (value: V) => number): SharedCache<K, V> {
    this.views += 1;
    return new SharedCache<K, V>(this, `${this.views.toString(36)}:`, weigh);
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.used;
  }

  /** Entries held, all views together. */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: unknown, weight: number): void {
    this.delete(key);
    // An entry bigger than the whole budget would only push everything else out, then go itself.
    if (weight > this.maxBytes) return;
    this.entries.set(key, { value, weight });
    this.used += weight;
    this.evict();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.weight;
  }

  private evict(): void {
    while (this.used > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) return;
      this.delete(oldest.value);
    }
  }
}

/** One owner's cache within a CacheBudget, with LruCache's interface. */
export class SharedCache<K extends string | number, V> {
  /** Bumped by clear(): the old entries are unreachable at once and leave the budget as they age out. */
  private generation = 0;

  constructor(
    private readonly budget: CacheBudget,
    private readonly prefix: string,
    private readonly weigh: (value: V) => number,
  ) {}

  get(key: K): V | undefined {
    return this.budget.get(this.keyOf(key)) as V | undefined;
  }

  /** Keeps `value`, weighed by the view's estimate unless `weight` says what it costs. */
  set(key: K, value: V, weight = this.weigh(value)): void {
    this.budget.set(this.keyOf(key), value, weight);
  }

  delete(key: K): void {
    this.budget.delete(this.keyOf(key));
  }

  clear(): void {
    this.generation += 1;
  }

  private keyOf(key: K): string {
    return `${this.prefix}${this.generation}:${key}`;
  }
}

/** The process's cache budget: every repository's caches draw on it. */
export const cacheBudget = new CacheBudget(DEFAULT_CACHE_BYTES);
