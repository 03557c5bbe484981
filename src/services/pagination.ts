import { InvalidInputError } from '../domain/errors.js';

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  /** Backward paging is refused rather than ignored: a client asking for it would silently get the wrong page. */
  readonly last?: number | null;
  readonly before?: string | null;
}

export interface Page<T> {
  readonly edges: { node: T; cursor: string }[];
  readonly pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Cursors name a position in main's history (its sequence number), so a page stays stable while commits land. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,12})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidInputError(`invalid cursor '${cursor}'`);
  return Number(match[1]);
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) throw new InvalidInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`);
  return first;
}

/**
 * Walks candidates newest first (descending sequence numbers), keeps those that match, and stops one past the
 * page so `hasNextPage` is exact without counting the rest.
 */
export function pageNewestFirst<T>(
  candidatesBelow: (below: number) => Iterable<number>,
  load: (seq: number) => T | undefined,
  args: PageArgs,
  matches: (item: T) => boolean = () => true,
  scanLimit = Infinity,
): Page<T> {
  const size = pageSize(args.first);
  refuseBackward(args);
  const before = args.after ? decodeCursor(args.after) : Infinity;
  const edges: { node: T; cursor: string }[] = [];
  let hasNextPage = false;
  let scanned = 0;
  let stoppedAt: number | null = null;
  for (const seq of candidatesBelow(before)) {
    // A filter that rarely matches would otherwise walk all of history in one turn: the page ends short, and its
    // cursor resumes below the last candidate looked at.
    if (scanned === scanLimit) {
      hasNextPage = true;
      break;
    }
    scanned += 1;
    stoppedAt = seq;
    const item = load(seq);
    if (item === undefined || !matches(item)) continue;
    if (edges.length === size) {
      hasNextPage = true;
      break;
    }
    edges.push({ node: item, cursor: encodeCursor(seq) });
  }
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: args.after !== null && args.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: hasNextPage && edges.length < size && stoppedAt !== null ? encodeCursor(stoppedAt) : (edges.at(-1)?.cursor ?? null),
    },
  };
}

export function refuseBackward(args: PageArgs): void {
  if ((args.last !== null && args.last !== undefined) || (args.before !== null && args.before !== undefined)) {
    throw new InvalidInputError('backward pagination (last, before) is not supported: page forward with first and after');
  }
}

/** Sequence numbers below `below`, down to 0, for a history of `size` commits. */
export function* descendingBelow(size: number, below: number): Generator<number> {
  for (let seq = Math.min(size, below) - 1; seq >= 0; seq -= 1) yield seq;
}

/** The entries of an ascending list that are below `below`, last first (binary search for the start). */
export function* reversedBelow(list: readonly number[], below: number): Generator<number> {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] ?? Infinity) < below) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i -= 1) {
    const seq = list[i];
    if (seq !== undefined) yield seq;
  }
}
