import type { ResultOf } from '../graphql.js';
import type { PUT_CONFIG, REVERT, ROLLBACK } from '../queries.js';
import { Hash } from './badges.js';
import { FileDiffView } from './file-diff-view.js';

export type Outcome = NonNullable<ResultOf<typeof ROLLBACK>['rollback']> | NonNullable<ResultOf<typeof REVERT>['revert']>;
/** What an edit in the console answers (putConfig, applyChanges, deleteConfig select the same fields). */
export type EditResult = NonNullable<ResultOf<typeof PUT_CONFIG>['putConfig']>;
type Payload = Extract<Outcome, { __typename: 'WritePayload' }>;
export type Preview = Payload & { base: { hash: string | null } | null };

/** A rollback's or revert's preview: every document and value it would change, and whether it would be accepted. */
export function PreviewView({ preview }: { preview: Payload }) {
  const files = preview.files ?? [];
  const count = (status: string) => files.filter((f) => f.status === status).length;
  const validation = preview.validation ?? [];
  return (
    <div class="preview" data-testid="preview">
      <p class="preview-summary">
        <strong>{files.length}</strong> document{files.length === 1 ? '' : 's'} would change
        {files.length > 0 && (
          <span class="muted">
            {' '}
            ({count('ADDED')} added, {count('DELETED')} removed, {count('MODIFIED')} modified)
          </span>
        )}
        , against the head <Hash value={preview.base?.shortHash} />.
      </p>
      <Validation items={validation} />
      {files.map((file) => (
        <FileDiffView key={file.path} file={file} text={false} />
      ))}
    </div>
  );
}

function Validation({ items }: { items: readonly { path: string | null; pointer: string | null; message: string | null; schema: string | null }[] }) {
  if (!items.length) {
    return (
      <p class="alert alert-ok" data-testid="validation">
        ✓ Valid: every document would satisfy its JSON Schemas.
      </p>
    );
  }
  return (
    <div class="alert alert-error" data-testid="validation">
      <strong>
        Would be refused: {items.length} schema violation{items.length === 1 ? '' : 's'}.
      </strong>
      <ul>
        {items.map((v, i) => (
          <li key={i}>
            <code>{v.path}</code> <code>{v.pointer || '/'}</code>: {v.message} <span class="muted">({v.schema})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What came back when the write was not a preview: committed, nothing to do, or why it was refused. */
export function OutcomeView({ outcome }: { outcome: Outcome | EditResult }) {
  switch (outcome.__typename) {
    case 'WritePayload':
      if (outcome.status === 'UNCHANGED') return <p class="alert alert-info">Nothing to change: the documents already have this content.</p>;
      return (
        <p class="alert alert-ok" data-testid="committed">
          ✓ Committed <Hash value={outcome.version?.shortHash} />. It appears in the live feed and in the history.
        </p>
      );
    case 'RevertConflict':
      return (
        <div class="alert alert-error" data-testid="conflict">
          <strong>Conflict: later versions changed the same values.</strong> Nothing was committed. Choose the value to keep for each one below and commit the
          revert with them, or roll back instead.
          <ul class="conflicts">
            {(outcome.conflicts ?? []).map((c) => (
              <li key={c.path}>
                <code>{c.path}</code>:{' '}
                {(c.pointers ?? []).map((p) => (
                  <code key={p} class="pointer">
                    {p || '/'}
                  </code>
                ))}
              </li>
            ))}
          </ul>
        </div>
      );
    case 'VersionConflict':
      return (
        <p class="alert alert-error">
          These documents changed since the preview (now at <Hash value={outcome.currentVersion?.slice(0, 7)} />
          ): preview again.
        </p>
      );
    case 'SchemaViolation':
      return (
        <div class="alert alert-error">
          <strong>Refused: the result would violate its JSON Schemas.</strong>
          <ul>
            {(outcome.violations ?? []).map((v, i) => (
              <li key={i}>
                <code>{v.path}</code> <code>{v.pointer || '/'}</code>: {v.message}
              </li>
            ))}
          </ul>
        </div>
      );
    case 'ApprovalRequired':
      return (
        <p class="alert alert-error">
          Needs an approved change request for {(outcome.paths ?? []).join(', ')}
          {outcome.missingFrom?.length ? ` (approvals missing from ${outcome.missingFrom.join(', ')})` : ''}.
        </p>
      );
    case 'OverlayConflict':
      return (
        <div class="alert alert-error">
          <strong>Overlays would no longer apply:</strong>
          <ul>
            {(outcome.overlays ?? []).map((o) => (
              <li key={o.overlayPath}>
                <code>{o.overlayPath}</code>: {o.reason}
              </li>
            ))}
          </ul>
        </div>
      );
    default: {
      const refused: { __typename: string; message?: string | null } = outcome;
      return (
        <p class="alert alert-error" data-error={refused.__typename}>
          {refused.message ?? refused.__typename}
        </p>
      );
    }
  }
}
