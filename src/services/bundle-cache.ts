import { LruCache } from '../git/lru-cache.js';

/** Bundles kept: a fleet asks for a few (one per environment, cluster and prefix it runs) thousands of times. */
const CAPACITY = 32;
/**
 * A bundle with more text than this is computed for each request rather than kept: at most CAPACITY × this of text
 * in memory, and about as much again of parsed values and of serialized answers (server/bundle-body.ts).
 */
const MAX_CACHED_BYTES = 4 * 1024 * 1024;

/**
 * Effective bundles by the commit, cluster and prefix they were computed at: a commit's tree never changes, so an
 * entry never goes stale. Requests that arrive while one is computed wait for it (a release wakes the whole fleet at
 * once; one computation serves it), and a failed computation is forgotten so the next request tries again.
 */
/** What the cache needs of a document: its size. */
interface Sized {
  readonly path: string;
  readonly text: string;
}

export class BundleCache<D extends Sized> {
  private readonly entries = new LruCache<string, Promise<readonly D[]>>(CAPACITY);

  get(key: string, compute: () => Promise<readonly D[]>): Promise<readonly D[]> {
    const known = this.entries.get(key);
    if (known) return known;
    const computed = compute();
    this.entries.set(key, computed);
    computed.then(
      (documents) => {
        if (bytesOf(documents) > MAX_CACHED_BYTES) this.entries.delete(key);
      },
      () => this.entries.delete(key),
    );
    return computed;
  }
}

function bytesOf(documents: readonly Sized[]): number {
  let total = 0;
  for (const document of documents) total += document.text.length + document.path.length;
  return total;
}
