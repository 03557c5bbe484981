import DataLoader from 'dataloader';
import type { WorkBudget } from '../domain/work-budget.js';
import type { NamespaceReader } from './namespace-reader.js';

/** Reads document text by blob id. One per request, so the same blob is read and decoded once per request. */
export interface BlobSource {
  text(namespace: NamespaceReader, oid: string): Promise<string>;
  /** Counts text served without reading it (a value parsed before) against the request's budget, as if read. */
  spend(bytes: number): void;
  /**
   * Counts a blob whose value was parsed before as the read of it would be: once per request, and not again if its
   * text is read too (a diff's side: its value for the changes, its text for the patch).
   */
  chargeAsRead(namespace: NamespaceReader, oid: string, bytes: number): void;
}

/** ignoreBOM keeps a leading byte-order mark: the text is served byte for byte as stored. */
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * `budget` bounds the document text one request may read (and so parse, diff, blame): every document a request
 * touches is read here once, so the sum of their sizes is what the request costs. Past it the request is refused with
 * TooExpensive instead of parsing hundreds of megabytes.
 */
export function createBlobSource(budget: WorkBudget | null = null): BlobSource {
  const repos = new Map<string, NamespaceReader>();
  /** Blobs this request was charged for as read. */
  const charged = new Set<string>();
  const chargeOnce = (key: string, bytes: number): void => {
    if (charged.has(key)) return;
    charged.add(key);
    budget?.spend(bytes);
  };
  const loader = new DataLoader<string, string>(async (keys) =>
    Promise.all(
      keys.map(async (key) => {
        const split = key.indexOf('\0');
        const repo = repos.get(key.slice(0, split));
        if (!repo) throw new Error(`blob source: unknown repository for ${key}`);
        const bytes = await repo.readBlob(key.slice(split + 1));
        chargeOnce(key, bytes.length);
        return decoder.decode(bytes);
      }),
    ),
  );
  return {
    spend(bytes) {
      budget?.spend(bytes);
    },
    chargeAsRead(namespace, oid, bytes) {
      chargeOnce(`${namespace.name}\0${oid}`, bytes);
    },
    text(namespace, oid) {
      repos.set(namespace.name, namespace);
      return loader.load(`${namespace.name}\0${oid}`);
    },
  };
}
