import { useState } from 'preact/hooks';

/**
 * The first `limit` of a long list, and a button for the rest: a diff of a 1 MiB document whose every value changed
 * (36,000 lines, 24,000 values) kept the page frozen for 14 s when rendered whole. Asking for all of it is the
 * reader's choice.
 */
export function useShowAll<T>(items: readonly T[], limit: number): { shown: readonly T[]; hidden: number; showAll: () => void } {
  const [all, setAll] = useState(false);
  const shown = all || items.length <= limit ? items : items.slice(0, limit);
  return { shown, hidden: items.length - shown.length, showAll: () => setAll(true) };
}

export function ShowAllButton({ hidden, noun, onClick }: { hidden: number; noun: string; onClick: () => void }) {
  if (hidden <= 0) return null;
  return (
    <p class="show-all muted small">
      {hidden.toLocaleString()} more {noun} not shown.{' '}
      <button class="button small" type="button" onClick={onClick}>
        Show all
      </button>
    </p>
  );
}
