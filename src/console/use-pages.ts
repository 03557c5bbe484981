import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_PAGE_SIZE } from './page-size.js';

/** One page of a Relay connection, newest first: its nodes and, at the same index, their cursors. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly cursors: readonly string[];
  readonly hasNextPage: boolean;
}

/** A Relay connection's edges as a page. */
export function pageOf<T>(
  connection: { edges?: readonly ({ cursor: string; node?: T | null } | null)[] | null; pageInfo: { hasNextPage: boolean } } | null | undefined,
): Page<T> {
  const edges = (connection?.edges ?? []).flatMap((e) => (e?.node ? [{ node: e.node, cursor: e.cursor }] : []));
  return { items: edges.map((e) => e.node), cursors: edges.map((e) => e.cursor), hasNextPage: connection?.pageInfo.hasNextPage ?? false };
}

export type FetchPage<T> = (first: number, after: string | null) => Promise<Page<T>>;

export interface Pages<T> {
  readonly state: 'loading' | 'error' | 'done';
  readonly error: Error | null;
  readonly items: readonly T[];
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  loadMore(): void;
}

interface Shown<T> extends Page<T> {
  readonly endCursor: string | null;
  readonly state: Pages<T>['state'];
  readonly error: Error | null;
  readonly loadingMore: boolean;
}

/**
 * A connection read a page at a time: "Load more" asks for the page `after` the last cursor. The API's cursors
 * name positions in main's history, so a page never shifts when commits land and appending leaves no gap and no
 * duplicate. A refresh (a live event: `revision` grows) reads again from the top down to the last entry shown
 * (`keyOf` names entries), so new entries appear on top and nothing shown goes away; a new `resetKey` (another
 * filter) starts again from one page. Answers to a request overtaken by a newer one are dropped.
 */
export function usePages<T>(fetchPage: FetchPage<T>, keyOf: (item: T) => string, size: number, resetKey: readonly unknown[], revision: number): Pages<T> {
  const [shown, setShown] = useState<Shown<T>>({
    state: 'loading',
    error: null,
    items: [],
    cursors: [],
    endCursor: null,
    hasNextPage: false,
    loadingMore: false,
  });
  const wanted = useRef(size);
  const generation = useRef(0);
  // The last entry shown, to read down to on a refresh; none after a reset.
  const last = useRef<string | null>(null);
  const lastItem = shown.items.at(-1);
  last.current = lastItem === undefined ? null : keyOf(lastItem);
  const failed = (gen: number) => (error: unknown) => {
    if (gen === generation.current)
      setShown((s) => ({ ...s, state: 'error', error: error instanceof Error ? error : new Error(String(error)), loadingMore: false }));
  };
  useEffect(() => {
    wanted.current = size;
    last.current = null;
  }, resetKey);
  useEffect(() => {
    const gen = ++generation.current;
    readTop(fetchPage, keyOf, wanted.current, last.current).then((page) => {
      if (gen === generation.current) setShown({ ...page, state: 'done', error: null, loadingMore: false });
    }, failed(gen));
  }, [...resetKey, revision]);
  const loadMore = (): void => {
    if (!shown.hasNextPage || shown.loadingMore || shown.endCursor === null) return;
    const gen = generation.current;
    wanted.current = shown.items.length + size;
    setShown((s) => ({ ...s, loadingMore: true }));
    fetchPage(size, shown.endCursor).then((page) => {
      if (gen !== generation.current) return;
      setShown((s) => ({
        ...s,
        items: [...s.items, ...page.items],
        cursors: [...s.cursors, ...page.cursors],
        endCursor: page.cursors.at(-1) ?? s.endCursor,
        hasNextPage: page.hasNextPage,
        loadingMore: false,
      }));
    }, failed(gen));
  };
  return { state: shown.state, error: shown.error, items: shown.items, hasMore: shown.hasNextPage, loadingMore: shown.loadingMore, loadMore };
}

/**
 * The newest `count` entries, and down to the entry keyed `until` when entries that landed since the list was read
 * pushed it further, in as few requests as the API's page limit allows.
 */
async function readTop<T>(
  fetchPage: FetchPage<T>,
  keyOf: (item: T) => string,
  count: number,
  until: string | null,
): Promise<Page<T> & { endCursor: string | null }> {
  let items: T[] = [];
  let cursors: string[] = [];
  let hasNextPage = true;
  let found = -1;
  // A bound in case `until` left the list (it cannot on main, whose history only grows): a few pages past `count`.
  const limit = count + 4 * MAX_PAGE_SIZE;
  while (hasNextPage && (items.length < count || (until !== null && found < 0)) && items.length < limit) {
    const page = await fetchPage(Math.min(items.length < count ? count - items.length : count, MAX_PAGE_SIZE), cursors.at(-1) ?? null);
    items = items.concat(page.items);
    cursors = cursors.concat(page.cursors);
    hasNextPage = page.hasNextPage && page.items.length > 0;
    if (until !== null) found = items.findIndex((item) => keyOf(item) === until);
  }
  // Read past the last entry shown: keep the list down to it, and page on from there.
  if (found >= count && found < items.length - 1) {
    items = items.slice(0, found + 1);
    cursors = cursors.slice(0, found + 1);
    hasNextPage = true;
  }
  return { items, cursors, hasNextPage, endCursor: cursors.at(-1) ?? null };
}
