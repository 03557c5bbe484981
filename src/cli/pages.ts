import { usageError } from './errors.js';

export interface Connection<T> {
  readonly edges: readonly { readonly node: T }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/** The server answers at most this many entries a page. */
const PAGE_SIZE = 100;

export function parseLimit(value: string, flag = '--limit'): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`${flag} must be a positive whole number, not '${value}'`);
  return n;
}

/** Up to `limit` entries of a Relay connection, newest first, following its cursors page by page. */
export async function collectPages<T>(limit: number, page: (first: number, after: string | null) => Promise<Connection<T>>): Promise<T[]> {
  const entries: T[] = [];
  let after: string | null = null;
  while (entries.length < limit) {
    const connection: Connection<T> = await page(Math.min(PAGE_SIZE, limit - entries.length), after);
    entries.push(...connection.edges.map((e) => e.node));
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return entries;
}
