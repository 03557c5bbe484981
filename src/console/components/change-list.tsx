import { formatValue, readablePointer } from '../format.js';
import { ChangeMark, markOf } from './badges.js';
import { ShowAllButton, useShowAll } from './show-all.js';

/** Values listed before "Show all". */
export const SHOWN_CHANGES = 500;

export interface ValueChange {
  readonly pointer: string | null;
  readonly op: string | null;
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
}

/** The structured changes of one document: each value removed (−), added (+) or modified (•), old → new. */
export function ChangeList({ changes }: { changes: readonly ValueChange[] }) {
  const { shown, hidden, showAll } = useShowAll(changes, SHOWN_CHANGES);
  if (!changes.length) return <p class="muted small">No value changes.</p>;
  return (
    <>
      <table class="changes">
        <tbody>
          {shown.map((change) => {
            const kind = markOf(change.op);
            return (
              <tr key={`${change.pointer}`} class={`change change-${kind}`} data-pointer={change.pointer}>
                <td class="change-mark">
                  <ChangeMark kind={kind} />
                </td>
                <td class="change-pointer">
                  <code title={change.pointer ?? ''}>{readablePointer(change.pointer ?? '')}</code>
                </td>
                <td class="change-values">
                  {kind !== 'added' && <code class="value old">{formatValue(change.oldValue)}</code>}
                  {kind === 'modified' && <span class="arrow">→</span>}
                  {kind !== 'removed' && <code class="value new">{formatValue(change.newValue)}</code>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ShowAllButton hidden={hidden} noun="values" onClick={showAll} />
    </>
  );
}
