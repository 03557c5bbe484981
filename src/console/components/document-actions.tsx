import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { mayWrite, useOperator } from '../permissions.js';
import { APPLY_CHANGES, DELETE_CONFIG, EDITABLE_DOCUMENT } from '../queries.js';
import { href, navigate } from '../route.js';
import { type EditResult, OutcomeView } from './write-outcome.js';

type Action = 'rename' | 'delete';

/**
 * Renames (moves) or deletes the document, each one commit guarded by the head it was read at. Deleting asks for
 * confirmation; both take a comment, as every commit does. Editors only.
 */
export function DocumentActions({ api, ns, path }: { api: Api; ns: string; path: string }) {
  const [open, setOpen] = useState<Action | null>(null);
  if (!mayWrite(useOperator())) return null;
  return (
    <div class="document-actions">
      <button class="button small" type="button" aria-expanded={open === 'rename'} onClick={() => setOpen(open === 'rename' ? null : 'rename')}>
        Rename / move
      </button>
      <button class="button small danger" type="button" aria-expanded={open === 'delete'} onClick={() => setOpen(open === 'delete' ? null : 'delete')}>
        Delete
      </button>
      {open && <ActionForm key={open} api={api} ns={ns} path={path} action={open} onCancel={() => setOpen(null)} />}
    </div>
  );
}

function ActionForm({ api, ns, path, action, onCancel }: { api: Api; ns: string; path: string; action: Action; onCancel: () => void }) {
  const [target, setTarget] = useState(path);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<EditResult | null>(null);
  const submit = async (): Promise<void> => {
    setBusy(true);
    const result = await run(api, ns, path, action === 'rename' ? target.trim() : null, comment.trim() || undefined);
    setBusy(false);
    if (result.__typename === 'WritePayload') navigate(action === 'rename' ? href(ns, { doc: target.trim() }) : href(ns));
    else setOutcome(result);
  };
  return (
    <form
      class="action-form panel"
      aria-label={action === 'rename' ? 'Rename document' : 'Delete document'}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {action === 'rename' ? (
        <label class="field">
          <span>New path</span>
          <input value={target} onInput={(e) => setTarget(e.currentTarget.value)} required />
        </label>
      ) : (
        <p class="alert alert-error small">
          Delete <code>{path}</code>? This commits its removal; its history stays, and a rollback brings it back.
        </p>
      )}
      <label class="field">
        <span>Comment</span>
        <input value={comment} placeholder="Why" onInput={(e) => setComment(e.currentTarget.value)} />
      </label>
      <div class="form-actions">
        <button class={`button ${action === 'delete' ? 'danger' : 'primary'}`} type="submit" disabled={busy || (action === 'rename' && target.trim() === path)}>
          {action === 'rename' ? 'Rename' : 'Delete this document'}
        </button>
        <button class="button ghost" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {outcome && <OutcomeView outcome={outcome} />}
    </form>
  );
}

/** A rename is one commit: the new path with the old text, the old path deleted. */
async function run(api: Api, ns: string, path: string, to: string | null, comment: string | undefined): Promise<EditResult> {
  try {
    const read = (await api.request(EDITABLE_DOCUMENT, { ns, path, at: null })).namespace;
    const doc = read?.__typename === 'Namespace' ? read.config : null;
    if (doc?.__typename !== 'ConfigDocument') return { __typename: 'NotFound', code: 'CONSOLE', message: `${path} no longer exists.` };
    const expectedVersion = doc.at?.hash ?? '';
    const result = to
      ? (
          await api.request(APPLY_CHANGES, {
            input: {
              namespace: ns,
              expectedVersion,
              comment,
              changes: [
                { path: to, text: doc.text ?? '' },
                { path, delete: true },
              ],
            },
          })
        ).applyChanges
      : (await api.request(DELETE_CONFIG, { input: { namespace: ns, path, expectedVersion, comment } })).deleteConfig;
    return result ?? { __typename: 'StorageFailure', code: 'CONSOLE', message: 'The server answered nothing.' };
  } catch (error) {
    return { __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message };
  }
}
