import { formatTime, relativeTime } from '../format.js';

export function ActionBadge({ action }: { action: string | null | undefined }) {
  const name = action ?? 'GIT';
  return <span class={`badge action-${name.toLowerCase()}`}>{name.toLowerCase()}</span>;
}

/** −, + or • before a document or value: removed, added, modified (as in a restore preview). */
export function ChangeMark({ kind }: { kind: 'added' | 'removed' | 'modified' }) {
  const symbol = kind === 'added' ? '+' : kind === 'removed' ? '−' : '•';
  return (
    <span class={`mark mark-${kind}`} title={kind} data-mark={kind}>
      {symbol}
    </span>
  );
}

export function markOf(status: string | null | undefined): 'added' | 'removed' | 'modified' {
  if (status === 'ADDED' || status === 'ADD') return 'added';
  if (status === 'DELETED' || status === 'REMOVE') return 'removed';
  return 'modified';
}

export function Time({ iso }: { iso: string | null | undefined }) {
  return (
    <time dateTime={iso ?? undefined} title={formatTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

export function Hash({ value }: { value: string | null | undefined }) {
  return <code class="hash">{value ?? '—'}</code>;
}
