import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { type StagedChange, clearTray, oldestBase, unstage, useTray } from '../change-tray.js';
import { leaveKeepingText } from '../leave-guard.js';
import { PROPOSE_CHANGE, VERSION_SEQUENCE } from '../queries.js';
import { href, navigate } from '../route.js';

/** Where each staged base is in main's history; a base main no longer has reads as the oldest (-1): refused, not lost. */
async function sequences(api: Api, ns: string, tray: readonly StagedChange[]): Promise<Map<string, number>> {
  const bases = [...new Set(tray.map((c) => c.base).filter(Boolean))];
  if (bases.length < 2) return new Map();
  const found = await Promise.all(
    bases.map(async (ref) => {
      const namespace = (await api.request(VERSION_SEQUENCE, { ns, ref })).namespace;
      const version = namespace?.__typename === 'Namespace' ? namespace.version : null;
      return [ref, version?.__typename === 'Version' ? (version.sequence ?? -1) : -1] as const;
    }),
  );
  return new Map(found);
}

/**
 * The draft change request: the documents staged from the editor, each removable, and "Open change request", which
 * proposes them all as one change request (one proposeChange) and goes to it. Nothing shows while the tray is empty.
 */
export function ChangeTrayBar({ api, ns }: { api: Api; ns: string }) {
  const tray = useTray(ns);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  if (!tray.length) return null;
  const open = async (): Promise<void> => {
    setBusy(true);
    setFailure(null);
    try {
      const input = {
        namespace: ns,
        expectedVersion: oldestBase(tray, await sequences(api, ns, tray)),
        comment: comment.trim() || undefined,
        changes: tray.map(({ path, text }) => ({ path, text })),
      };
      const result = (await api.request(PROPOSE_CHANGE, { input })).proposeChange;
      if (result?.__typename === 'Proposal' && result.id) {
        clearTray(ns);
        leaveKeepingText(href(ns, 'proposals', { id: result.id }), navigate);
      } else if (result?.__typename === 'VersionConflict') {
        setFailure(`Main changed ${(result.paths ?? []).join(', ')} since you edited them: open them again, redo the edit and stage it again.`);
      } else setFailure(result && result.__typename !== 'Proposal' ? (result.message ?? result.__typename) : 'The server answered nothing.');
    } catch (error) {
      setFailure((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="panel change-tray"
      aria-label="Draft change request"
      onSubmit={(event) => {
        event.preventDefault();
        void open();
      }}
    >
      <h2 class="panel-title">
        Draft change request{' '}
        <span class="muted small">
          ({tray.length} document{tray.length === 1 ? '' : 's'}, kept in this tab)
        </span>
      </h2>
      <ul class="change-tray-list">
        {tray.map((c) => (
          <li key={c.path} data-staged={c.path}>
            <a href={href(ns, { doc: c.path }, { tab: 'edit' })}>
              <code>{c.path}</code>
            </a>
            <button class="button small" type="button" aria-label={`Remove ${c.path} from the change request`} onClick={() => unstage(ns, c.path)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div class="toolbar">
        <label class="field inline grow">
          <span>Change request comment</span>
          <input name="tray-comment" value={comment} placeholder="Why these changes" onInput={(e) => setComment(e.currentTarget.value)} />
        </label>
        <button class="button primary" type="submit" disabled={busy}>
          Open change request
        </button>
      </div>
      {failure && (
        <p class="alert alert-error" role="alert">
          {failure}
        </p>
      )}
    </form>
  );
}
