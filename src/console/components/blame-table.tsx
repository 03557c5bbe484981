import { formatValue, readablePointer } from '../format.js';
import { ActionBadge, Hash, Time } from './badges.js';

export interface BlameEntry {
  readonly pointer: string | null;
  readonly value?: unknown;
  readonly action: string | null;
  readonly comment: string | null;
  readonly time: string | null;
  readonly operator: { readonly name: string | null; readonly email: string | null } | null;
  readonly version: { readonly shortHash: string | null } | null;
}

/** Each leaf value of a document beside the version that last set it. */
export function BlameTable({ entries }: { entries: readonly BlameEntry[] }) {
  if (!entries.length) return <p class="muted small">An empty document.</p>;
  return (
    <div class="table-scroll">
      <table class="audit blame">
        <thead>
          <tr>
            <th>Value</th>
            <th />
            <th>Set by</th>
            <th>Why</th>
            <th>Version</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.pointer} data-pointer={entry.pointer}>
              <td>
                <code class="blame-pointer">{readablePointer(entry.pointer ?? '')}</code>
              </td>
              <td class="blame-value">
                {/* Long values break at spaces only; a word longer than the cell scrolls inside it. */}
                <div class="blame-value-box">
                  <code class="value">{formatValue(entry.value)}</code>
                </div>
              </td>
              <td class="nowrap">
                <span class="operator" title={entry.operator?.email ?? undefined}>
                  {entry.operator?.name}
                </span>{' '}
                <span class="muted small">
                  <Time iso={entry.time} />
                </span>
              </td>
              <td>
                <ActionBadge action={entry.action} /> {entry.comment}
              </td>
              <td>
                <Hash value={entry.version?.shortHash} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
