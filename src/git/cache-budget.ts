/** CAIRN_CACHE_MB's default: what one busy namespace used to keep in its own caches, now shared by all of them. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** An entry of a view, linked into the budget's order of use. */
interface Node {
  readonly value: unknown;
  readonly weight: number;
  /** The view's map holding it (a view's `clear` replaces its map; the old entries age out of the budget). */
  readonly owner: Map<unknown, Node>;
  readonly key: unknown;
  older: Node | null;
  newer: Node | null;
}

/**
 * One least-recently-used budget, in estimated bytes, for every cache of the process: parsed trees and commits,
 * small blobs, delta bases, decoded index entries, of every repository. Caches of their own per repository grew
 * with the number of namespaces (a thousand namespaces, a thousand sets of caches); this one is bounded once.
 * Git objects are immutable, so an entry never goes stale; it only goes when something more recent needs room.
 *
 * Each view keeps its entries in a map of its own keys, and the budget links them all in one list by last use:
 * a look-up is one map get and a few pointer moves. (A single map keyed by "view:key" built a string and moved a
 * map entry per look-up, and reading one object walks tens of delta bases.)
 */
export class CacheBudget {
  /** Least recently used first. */
  private oldest: Node | null = null;
  private newest: Node | null = null;
  private used = 0;
  private count = 0;

  constructor(private maxBytes: number) {}

  /** Changes the budget (CAIRN_CACHE_MB), forgetting what exceeds it. */
  setMaxBytes(maxBytes: number): void {
    this.maxBytes = Math.max(0, maxBytes);
    this.evict();
  }

  /** A cache of one kind for one owner (a repository's trees, a pack's delta bases), drawing on this budget. */
  view<K extends string | number, V>(weigh: (value: V) => number): SharedCache<K, V> {
    return new SharedCache<K, V>(this, weigh);
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.used;
  }

  /** Entries held, all views together. */
  get size(): number {
    return this.count;
  }

  /** Whether an entry of `weight` could be held at all: one bigger than the whole budget would only push everything out. */
  fits(weight: number): boolean {
    return weight <= this.maxBytes;
  }

  add(owner: Map<unknown, Node>, key: unknown, value: unknown, weight: number): void {
    const node: Node = { value, weight, owner, key, older: this.newest, newer: null };
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
    owner.set(key, node);
    this.used += weight;
    this.count += 1;
    this.evict();
  }

  /** Marks `node` as just used. */
  touch(node: Node): void {
    if (node === this.newest) return;
    this.unlink(node);
    node.older = this.newest;
    node.newer = null;
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
  }

  remove(node: Node): void {
    this.unlink(node);
    if (node.owner.get(node.key) === node) node.owner.delete(node.key);
    this.used -= node.weight;
    this.count -= 1;
  }

  private unlink(node: Node): void {
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
  }

  private evict(): void {
    while (this.used > this.maxBytes && this.oldest) this.remove(this.oldest);
  }
}

/** One owner's cache within a CacheBudget, with LruCache's interface. */
export class SharedCache<K extends string | number, V> {
  private entries = new Map<unknown, Node>();

  constructor(
    private readonly budget: CacheBudget,
    private readonly weigh: (value: V) => number,
  ) {}

  get(key: K): V | undefined {
    const node = this.entries.get(key);
    if (!node) return undefined;
    this.budget.touch(node);
    return node.value as V;
  }

  /** Keeps `value`, weighed by the view's estimate unless `weight` says what it costs. */
  set(key: K, value: V, weight = this.weigh(value)): void {
    this.delete(key);
    if (this.budget.fits(weight)) this.budget.add(this.entries, key, value, weight);
  }

  delete(key: K): void {
    const node = this.entries.get(key);
    if (node) this.budget.remove(node);
  }

  /** Forgets every entry at once: they leave the budget as they age out. */
  clear(): void {
    this.entries = new Map();
  }
}

/** The process's cache budget: every repository's caches draw on it. */
export const cacheBudget = new CacheBudget(DEFAULT_CACHE_BYTES);
