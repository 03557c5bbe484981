import type { ResultOf } from '../graphql.js';
import type { FILE_DIFF } from '../queries.js';
import { ChangeMark, markOf } from './badges.js';
import { ChangeList } from './change-list.js';
import { DiffTable } from './diff-table.js';

export type FileDiff = ResultOf<typeof FILE_DIFF>;

/** One document's change: header with its mark, the side-by-side text and the list of structured value changes. */
export function FileDiffView({ file, text = true }: { file: FileDiff; text?: boolean }) {
  const changes = file.changes ?? [];
  const kind = markOf(file.status);
  return (
    <article class="file-diff" data-path={file.path} data-status={file.status}>
      <header class="file-diff-header">
        <ChangeMark kind={kind} />
        <code class="file-path">{file.path}</code>
        <span class={`badge status-${kind}`}>{kind}</span>
        <span class="spacer" />
        <span class="muted small">
          {changes.length} value{changes.length === 1 ? '' : 's'} changed
        </span>
      </header>
      {text && file.unified && <DiffTable unified={file.unified} />}
      {!text && file.unified && (
        <details class="file-diff-text">
          <summary>Text diff</summary>
          <DiffTable unified={file.unified} />
        </details>
      )}
      <div class="file-diff-changes">
        <h3 class="small-heading">Structured changes</h3>
        <ChangeList changes={changes} />
      </div>
    </article>
  );
}
