import type { Pages } from '../use-pages.js';

/** "Load more" under a paged list, while older entries exist. */
export function LoadMore({ pages, noun }: { pages: Pages<unknown>; noun: string }) {
  if (!pages.hasMore) return null;
  return (
    <div class="load-more">
      <button class="button" type="button" onClick={pages.loadMore} disabled={pages.loadingMore}>
        {pages.loadingMore ? 'Loading…' : `Load more ${noun}`}
      </button>
      <span class="muted small">
        {pages.items.length} {noun} shown
      </span>
    </div>
  );
}
