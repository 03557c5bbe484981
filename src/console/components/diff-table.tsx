import { type Cell, sideBySide } from '../side-by-side.js';

/** GitHub-style side-by-side text diff: old on the left, new on the right, the changed part of each line marked. */
export function DiffTable({ unified }: { unified: string }) {
  const rows = sideBySide(unified);
  if (!rows.length) return <p class="muted small">The texts are identical.</p>;
  return (
    <table class="diff">
      <colgroup>
        <col class="diff-num" />
        <col />
        <col class="diff-num" />
        <col />
      </colgroup>
      <tbody>
        {rows.map((row, i) =>
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
      </td>
    </>
  );
}
