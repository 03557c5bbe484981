import { useMemo } from 'preact/hooks';
import { type Cell, onlyFinalNewline, sideBySide } from '../side-by-side.js';
import { ShowAllButton, useShowAll } from './show-all.js';

/** Rows rendered before "Show all": a long diff stays quick to open. */
export const SHOWN_ROWS = 1_000;

/** GitHub-style side-by-side text diff: old on the left, new on the right, the changed part of each line marked. */
export function DiffTable({ unified }: { unified: string }) {
  const rows = useMemo(() => sideBySide(unified), [unified]);
  const { shown, hidden, showAll } = useShowAll(rows, SHOWN_ROWS);
  if (!rows.length) return <p class="muted small">The texts are identical.</p>;
  return (
    <>
      {onlyFinalNewline(rows) && (
        <p class="diff-newline-only small" data-testid="newline-only">
          Only the newline at the end of the file changed.
        </p>
      )}
      <div class="diff-scroll">
        <table class="diff">
          <colgroup>
            <col class="diff-num" />
            <col />
            <col class="diff-num" />
            <col />
          </colgroup>
          <tbody>
            {shown.map((row, i) =>
              row.kind === 'hunk' ? (
                <tr key={i} class="diff-hunk">
                  <td colSpan={4}>{row.header}</td>
                </tr>
              ) : (
                <tr key={i}>
                  <CellView cell={row.left} />
                  <CellView cell={row.right} />
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
      <ShowAllButton hidden={hidden} noun="lines" onClick={showAll} />
    </>
  );
}

function CellView({ cell }: { cell: Cell | null }) {
  if (!cell) {
    return (
      <>
        <td class="diff-num diff-empty" />
        <td class="diff-code diff-empty" />
      </>
    );
  }
  const [before, changed, after] = cell.parts;
  return (
    <>
      <td class={`diff-num diff-${cell.kind}`}>{cell.line}</td>
      <td class={`diff-code diff-${cell.kind}`}>
        <span class="diff-sign">{cell.kind === 'removed' ? '−' : cell.kind === 'added' ? '+' : ' '}</span>
        {before}
        {changed && (cell.kind === 'context' ? changed : <mark class={`diff-word diff-word-${cell.kind}`}>{changed}</mark>)}
        {after}
        {cell.noNewline && (
          <span class="diff-no-newline" title="The text ends here, with no newline after this line">
            {' '}
            \ No newline at end of file
          </span>
        )}
      </td>
    </>
  );
}
