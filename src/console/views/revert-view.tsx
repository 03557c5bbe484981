import { useMemo, useRef } from 'preact/hooks';
import type { Api } from '../api.js';
import { EditorsOnly } from '../components/read-only-note.js';
import { RevertResolver } from '../components/revert-resolver.js';
import { type UndoKind, PreviewNeedsEditor, UndoFlow } from '../components/undo-flow.js';
import { REVERT } from '../queries.js';
import { href, navigate } from '../route.js';

/** Undo one version alone; refused with the conflicting values when later versions changed them too. */
export function RevertView({ api, ns, params, revision }: { api: Api; ns: string; params: URLSearchParams; revision: number }) {
  // The head the last preview was computed against: a resolved revert is committed against it, so a change made since
  // the conflicts were shown is refused (VersionConflict) rather than resolved blind.
  const previewedHead = useRef('');
  const kind = useMemo<UndoKind>(
    () => ({
      verb: 'Revert',
      pickLabel: 'Pick the version to undo',
      pickable: () => true,
      run: async (client, { version, expectedVersion, dryRun, comment }) => {
        if (dryRun) previewedHead.current = expectedVersion;
        const result = await client.request(REVERT, { input: { namespace: ns, version, expectedVersion, dryRun, comment } });
        if (!result.revert) throw new Error('no answer');
        return result.revert;
      },
      refusal: (outcome) =>
        outcome.__typename === 'RevertConflict' ? (
          <RevertResolver
            key={`${outcome.revertedVersion}@${previewedHead.current}`}
            api={api}
            ns={ns}
            conflict={outcome}
            expectedVersion={previewedHead.current}
          />
        ) : null,
    }),
    [api, ns],
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
