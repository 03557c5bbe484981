import { isDocumentPath } from '../domain/document-path.js';
import type { BlobAtPath } from '../git/tree-reader.js';
import { LruCache } from '../git/lru-cache.js';

/**
 * Listings kept: each of a 20,000-document tree is about 2 MB. A listing of the head is asked again and again (the
 * console, agents, scripts), and a tree's id names its whole content, so a kept listing never goes stale.
 */
const LISTINGS_KEPT = 8;

/**
 * The documents of a tree under a prefix, with every other file filtered out. Checking a path against the rules of
 * a document path was a third of listing a 20,000-document tree; a tree is checked once while its listing is kept.
 */
export class DocumentListings {
  private readonly listings = new LruCache<string, Promise<readonly BlobAtPath[]>>(LISTINGS_KEPT);
  /** Paths checked so far: what listing costs beyond reading trees. */
  pathsChecked = 0;

  list(tree: string, prefix: string, read: () => Promise<BlobAtPath[]>): Promise<readonly BlobAtPath[]> {
    const key = `${tree}\0${prefix}`;
    const kept = this.listings.get(key);
    if (kept) return kept;
    const listing = read().then((files) => {
      this.pathsChecked += files.length;
      return files.filter((f) => isDocumentPath(f.path));
    });
    this.listings.set(key, listing);
    listing.catch(() => this.listings.delete(key));
    return listing;
  }
}
