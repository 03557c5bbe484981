import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_PAGE_SIZE } from './page-size.js';

/** One page of a Relay connection, newest first. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
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
  readonly state: Pages<T>['state'];
  readonly error: Error | null;
  readonly loadingMore: boolean;
}

/**
 * A connection read a page at a time: "Load more" asks for the page `after` the last cursor. The API's cursors
 * name positions in main's history, so a page never shifts when commits land and appending leaves no gap and no
 * duplicate. A refresh (a live event: `revision` grows) reads again from the top as many entries as the reader
 * has asked for, so new entries appear on top and the list keeps its length; a new `resetKey` (another filter)
 * starts again from one page. Answers to a request overtaken by a newer one are dropped.
 */
export function usePages<T>(fetchPage: FetchPage<T>, size: number, resetKey: readonly unknown[], revision: number): Pages<T> {
  const [shown, setShown] = useState<Shown<T>>({ state: 'loading', error: null, items: [], endCursor: null, hasNextPage: false, loadingMore: false });
  const wanted = useRef(size);
  const generation = useRef(0);
  const failed = (gen: number) => (error: unknown) => {
    if (gen === generation.current) setShown((s) => ({ ...s, state: 'error', error: error instanceof Error ? error : new Error(String(error)), loadingMore: false }));
  };
  useEffect(() => {
    wanted.current = size;
  }, resetKey);
  useEffect(() => {
    const gen = ++generation.current;
    readTop(fetchPage, wanted.current).then((page) => {
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
      setShown((s) => ({ ...s, items: [...s.items, ...page.items], endCursor: page.endCursor ?? s.endCursor, hasNextPage: page.hasNextPage, loadingMore: false }));
    }, failed(gen));
  };
  return { state: shown.state, error: shown.error, items: shown.items, hasMore: shown.hasNextPage, loadingMore: shown.loadingMore, loadMore };
}

/** The newest `count` entries, in as few requests as the API's page limit allows. */
async function readTop<T>(fetchPage: FetchPage<T>, count: number): Promise<Page<T>> {
  let items: T[] = [];
  let endCursor: string | null = null;
  let hasNextPage = true;
  while (hasNextPage && items.length < count) {
    const page: Page<T> = await fetchPage(Math.min(count - items.length, MAX_PAGE_SIZE), endCursor);
    items = items.concat(page.items);
    hasNextPage = page.hasNextPage && page.items.length > 0;
    endCursor = page.endCursor ?? endCursor;
  }
  return { items, endCursor, hasNextPage };
}
