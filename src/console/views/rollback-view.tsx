import { useMemo, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { EditorsOnly } from '../components/read-only-note.js';
import { ProposeRollback } from '../components/propose-rollback.js';
import { type UndoKind, PreviewNeedsEditor, UndoFlow } from '../components/undo-flow.js';
import { ROLLBACK } from '../queries.js';
import { href, navigate } from '../route.js';

/** Roll the namespace (or some documents) back to a version: a new commit, history untouched. */
export function RollbackView({ api, ns, params, revision }: { api: Api; ns: string; params: URLSearchParams; revision: number }) {
  const paths = params.get('paths') ?? '';
  const [draft, setDraft] = useState(paths);
  const list = paths
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const kind = useMemo<UndoKind>(
    () => ({
      verb: 'Roll back',
      pickLabel: 'Pick the version to return to',
      pickable: (_v, i) => i > 0,
      run: async (client, { version, expectedVersion, dryRun, comment }) => {
        const result = await client.request(ROLLBACK, {
          input: { namespace: ns, to: version, expectedVersion, dryRun, comment, paths: list.length ? list : undefined },
        });
        if (!result.rollback) throw new Error('no answer');
        return result.rollback;
      },
    }),
    [ns, paths],
  );
  const go = (to: string | undefined, newPaths: string): void => navigate(href(ns, 'rollback', { to, paths: newPaths || undefined }));
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Roll back</h1>
          <p class="muted">A new commit whose documents equal their content at the version you pick. History is never rewritten.</p>
        </div>
      </header>
      <EditorsOnly ns={ns} why={<PreviewNeedsEditor ns={ns} verb="a roll back" />}>
        <UndoFlow
          api={api}
          ns={ns}
          kind={kind}
          picked={params.get('to')}
          onPick={(hash) => go(hash, paths)}
          revision={revision}
          approvalRequired={(to, refused) => <ProposeRollback api={api} ns={ns} to={to} paths={list} refused={refused} />}
          options={
            <form
              class="toolbar"
              onSubmit={(event) => {
                event.preventDefault();
                go(params.get('to') ?? undefined, draft.trim());
              }}
            >
              <label class="field inline grow">
                <span>Only these documents</span>
                <input name="paths" value={draft} placeholder="all documents (or paths, comma-separated)" onInput={(e) => setDraft(e.currentTarget.value)} />
              </label>
              <button class="button small" type="submit">
                Apply
              </button>
            </form>
          }
        />
      </EditorsOnly>
    </section>
  );
}
