import { useMemo } from 'preact/hooks';
import type { Api } from '../api.js';
import { EditorsOnly } from '../components/read-only-note.js';
import { type UndoKind, PreviewNeedsEditor, UndoFlow } from '../components/undo-flow.js';
import { REVERT } from '../queries.js';
import { href, navigate } from '../route.js';

/** Undo one version alone; refused with the conflicting values when later versions changed them too. */
export function RevertView({ api, ns, params, revision }: { api: Api; ns: string; params: URLSearchParams; revision: number }) {
  const kind = useMemo<UndoKind>(
    () => ({
      verb: 'Revert',
      pickLabel: 'Pick the version to undo',
      pickable: () => true,
      run: async (client, { version, expectedVersion, dryRun, comment }) => {
        const result = await client.request(REVERT, { input: { namespace: ns, version, expectedVersion, dryRun, comment } });
        if (!result.revert) throw new Error('no answer');
        return result.revert;
      },
    }),
    [ns],
  );
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Revert a version</h1>
          <p class="muted">A new commit undoing only what one version changed; later changes stay.</p>
        </div>
      </header>
      <EditorsOnly ns={ns} why={<PreviewNeedsEditor ns={ns} verb="a revert" />}>
        <UndoFlow
          api={api}
          ns={ns}
          kind={kind}
          picked={params.get('version')}
          onPick={(hash) => navigate(href(ns, 'revert', { version: hash }))}
          revision={revision}
        />
      </EditorsOnly>
    </section>
  );
}
