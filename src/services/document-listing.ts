import { type DocumentFormat, documentFormatOf, isDocumentPath } from '../domain/document-path.js';
import type { BlobAtPath } from '../git/tree-reader.js';
import { LruCache } from '../git/lru-cache.js';

/**
 * Listings kept: each of a 20,000-document tree is about 2 MB. A listing of the head is asked again and again (the
 * console, agents, scripts), and a tree's id names its whole content, so a kept listing never goes stale.
 */
const LISTINGS_KEPT = 8;

/** A document of a listing: what every view of it shares, worked out once per kept listing. */
export interface ListedDocument {
  readonly path: string;
  readonly blob: string;
  readonly format: DocumentFormat;
}

/**
 * The documents of a tree under a prefix, with every other file filtered out. Checking a path against the rules of
 * a document path was a third of listing a 20,000-document tree; a tree is checked once while its listing is kept.
 */
export class DocumentListings {
  private readonly listings = new LruCache<string, Promise<readonly ListedDocument[]>>(LISTINGS_KEPT);
  /** Paths checked so far: what listing costs beyond reading trees. */
  pathsChecked = 0;

  list(tree: string, prefix: string, read: () => Promise<BlobAtPath[]>): Promise<readonly ListedDocument[]> {
    const key = `${tree}\0${prefix}`;
    const kept = this.listings.get(key);
    if (kept) return kept;
    const listing = read().then((files) => {
      this.pathsChecked += files.length;
      return files.filter((f) => isDocumentPath(f.path)).map((f) => ({ path: f.path, blob: f.oid, format: documentFormatOf(f.path) ?? 'json' }));
    });
    this.listings.set(key, listing);
    listing.catch(() => this.listings.delete(key));
    return listing;
  }
}
