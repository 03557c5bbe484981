import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { focusByArrows } from '../arrow-keys.js';
import { ActionBadge, Hash, Time } from '../components/badges.js';
import { CodeBlock } from '../components/code-block.js';
import { DocumentActions } from '../components/document-actions.js';
import { EffectiveTab } from '../components/effective-view.js';
import { FileDiffView } from '../components/file-diff-view.js';
import { BlameTable } from '../components/blame-table.js';
import { Problem } from '../components/problem.js';
import { ReadOnlyNote } from '../components/read-only-note.js';
import { Timeline, type VersionInfo } from '../components/timeline.js';
import { LoadMore } from '../components/load-more.js';
import { useTags, useVersionPages } from '../components/version-list.js';
import { VersionPicker } from '../components/version-picker.js';
import type { Pages } from '../use-pages.js';
import { BLAME, DIFF, DOCUMENT } from '../queries.js';
import { overlayOf } from '../overlay-paths.js';
import { mayWrite, useOperator } from '../permissions.js';
import { href, navigate } from '../route.js';
import { useLoad } from '../use-query.js';

type Tab = 'content' | 'edit' | 'blame' | 'history' | 'diff' | 'effective';
const TABS: readonly [Tab, string][] = [
  ['content', 'Content'],
  ['blame', 'Blame'],
  ['history', 'History'],
  ['diff', 'Diff'],
  ['effective', 'Effective'],
  // Last: the reading tabs keep their places (and arrow-key order) for everyone, editors or not.
  ['edit', 'Edit'],
];

/** One document: its content at any version, its history, and a diff between any two of its versions. */
export function DocumentView({ api, ns, path, params, revision }: { api: Api; ns: string; path: string; params: URLSearchParams; revision: number }) {
  // Editing is for editors: others are not offered a tab the server would refuse to save.
  const tabs = mayWrite(useOperator()) ? TABS : TABS.filter(([t]) => t !== 'edit');
  // An overlay document opens on its operations (the Effective tab), other documents on their content.
  const tab = (tabs.some(([t]) => t === params.get('tab')) ? params.get('tab') : overlayOf(path) ? 'effective' : 'content') as Tab;
  // Once opened, the editor stays mounted (hidden on the other tabs): a look at Blame or Diff keeps unsaved text.
  const [edited, setEdited] = useState(false);
  useEffect(() => {
    if (tab === 'edit') setEdited(true);
  }, [tab]);
  const history = useVersionPages(api, ns, path, revision);
  const tags = useTags(api, ns, revision);
  const versions = history.items;
  const go = (changes: Record<string, string | undefined>): void =>
    navigate(
      href(ns, { doc: path }, { tab, at: params.get('at') ?? undefined, from: params.get('from') ?? undefined, to: params.get('to') ?? undefined, ...changes }),
    );
  return (
    <section class="document">
      <header class="view-header">
        <div>
          <p class="breadcrumbs muted small">
            {ns} / {path.split('/').slice(0, -1).join(' / ')}
          </p>
          <h1 class="document-title">{path.split('/').pop()}</h1>
          <DocumentActions api={api} ns={ns} path={path} />
        </div>
        <div
          class="tabs"
          role="tablist"
          onKeyDown={(event) => {
            // Automatic activation: the tab reached is the tab shown.
            const reached = focusByArrows(event, '[role="tab"]', 'horizontal')?.dataset.tab;
            if (reached) go({ tab: reached });
          }}
        >
          {tabs.map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              data-tab={id}
              aria-selected={tab === id}
              tabIndex={tab === id ? 0 : -1}
              class={`tab${tab === id ? ' active' : ''}`}
              onClick={() => go({ tab: id })}
            >
              {label}
              {id === 'history' && versions.length > 0 && (
                <span class="count">
                  {versions.length}
                  {history.hasMore ? '+' : ''}
                </span>
              )}
            </button>
          ))}
        </div>
      </header>
      {history.state === 'error' && <p class="alert alert-error">{history.error?.message}</p>}
      {tab === 'content' && (
        <ContentTab api={api} ns={ns} path={path} at={params.get('at')} versions={versions} revision={revision} onPick={(at) => go({ at })} />
      )}
      {(edited || tab === 'edit') && (
        <div hidden={tab !== 'edit'}>
          <EditTab api={api} ns={ns} path={path} />
        </div>
      )}
      {tab === 'blame' && <BlameTab api={api} ns={ns} path={path} at={params.get('at')} versions={versions} revision={revision} onPick={(at) => go({ at })} />}
      {tab === 'effective' && (
        <EffectiveTab api={api} ns={ns} path={path} cluster={params.get('cluster')} onCluster={(cluster) => go({ cluster })} revision={revision} />
      )}
      {tab === 'history' && <HistoryTab api={api} ns={ns} path={path} history={history} tags={tags.byVersion} />}
      {tab === 'diff' && (
        <DiffTab api={api} ns={ns} path={path} versions={versions} from={params.get('from')} to={params.get('to')} onPick={(from, to) => go({ from, to })} />
      )}
    </section>
  );
}

/** The editor (CodeMirror, the schema validator) is loaded when first opened: reading needs none of it. */
function EditTab({ api, ns, path }: { api: Api; ns: string; path: string }) {
  const loaded = useLoad(() => import('../components/document-editor.js'), []);
  if (loaded.state === 'loading') return <p class="muted">Loading the editor…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error">{loaded.error.message}</p>;
  const { DocumentEditor } = loaded.data;
  return (
    <div class="panel">
      <DocumentEditor api={api} ns={ns} path={path} />
    </div>
  );
}

function VersionSelect({
  label,
  versions,
  value,
  onChange,
  allowHead,
}: {
  label: string;
  versions: readonly VersionInfo[];
  value: string | null;
  onChange: (hash: string | undefined) => void;
  allowHead?: boolean;
}) {
  return (
    <label class="field inline">
      <span>{label}</span>
      <select aria-label={label} value={value ?? ''} onChange={(e) => onChange(e.currentTarget.value || undefined)}>
        {allowHead && <option value="">Latest</option>}
        {/* A version named by the address but older than the pages loaded so far. */}
        {value && !versions.some((v) => v.hash === value) && <option value={value}>{value.slice(0, 7)}</option>}
        {versions.map((v) => (
          <option key={v.hash} value={v.hash ?? ''}>
            {v.shortHash} · {v.action?.toLowerCase()} · {v.comment?.slice(0, 40) || 'no comment'}
          </option>
        ))}
      </select>
    </label>
  );
}

function ContentTab({
  api,
  ns,
  path,
  at,
  versions,
  revision,
  onPick,
}: {
  api: Api;
  ns: string;
  path: string;
  at: string | null;
  versions: readonly VersionInfo[];
  revision: number;
  onPick: (at: string | undefined) => void;
}) {
  const loaded = useLoad(() => api.request(DOCUMENT, { ns, path, at }), [api, ns, path, at, revision]);
  const doc = loaded.state === 'done' && loaded.data.namespace?.__typename === 'Namespace' ? loaded.data.namespace.config : null;
  return (
    <div class="panel">
      <div class="toolbar">
        <VersionSelect label="Version" versions={versions} value={at} onChange={onPick} allowHead />
        {doc?.__typename === 'ConfigDocument' && doc.version && (
          <div class="toolbar-meta small">
            <ActionBadge action={doc.version.action} /> by <strong>{doc.version.operator?.name}</strong> <Time iso={doc.version.timestamp} /> ·{' '}
            <Hash value={doc.version.shortHash} />
            {doc.version.comment && <span class="muted"> — {doc.version.comment}</span>}
          </div>
        )}
      </div>
      {loaded.state === 'loading' && <p class="muted">Loading…</p>}
      {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
      {loaded.state === 'done' &&
        (doc?.__typename === 'ConfigDocument' ? (
          <CodeBlock text={doc.text ?? ''} format={doc.format ?? 'JSON'} />
        ) : (
          <Problem result={doc ?? loaded.data.namespace} />
        ))}
    </div>
  );
}

function BlameTab({
  api,
  ns,
  path,
  at,
  versions,
  revision,
  onPick,
}: {
  api: Api;
  ns: string;
  path: string;
  at: string | null;
  versions: readonly VersionInfo[];
  revision: number;
  onPick: (at: string | undefined) => void;
}) {
  const loaded = useLoad(() => api.request(BLAME, { ns, path, at }), [api, ns, path, at, revision]);
  const blame = loaded.state === 'done' && loaded.data.namespace?.__typename === 'Namespace' ? loaded.data.namespace.blame : null;
  return (
    <div class="panel">
      <div class="toolbar">
        <VersionSelect label="Version" versions={versions} value={at} onChange={onPick} allowHead />
        <span class="muted small">Who last set each value, and why.</span>
      </div>
      {loaded.state === 'loading' && <p class="muted">Loading…</p>}
      {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
      {loaded.state === 'done' &&
        (blame?.__typename === 'Blame' ? <BlameTable entries={blame.entries ?? []} /> : <Problem result={blame ?? loaded.data.namespace} />)}
    </div>
  );
}

function HistoryTab({
  api,
  ns,
  path,
  history,
  tags,
}: {
  api: Api;
  ns: string;
  path: string;
  history: Pages<VersionInfo>;
  tags: ReadonlyMap<string, readonly string[]>;
}) {
  const versions = history.items;
  const writer = mayWrite(useOperator());
  return (
    <div class="panel">
      <ReadOnlyNote ns={ns}>rolling back and reverting need the editor role. Compare any two versions on the Diff tab.</ReadOnlyNote>
      <Timeline
        versions={versions}
        tags={tags}
        expand={{ api, ns }}
        actions={(v, i) => {
          const older = versions[i + 1];
          return (
            <div class="timeline-actions">
              <a class="button small" href={href(ns, { doc: path }, { tab: 'content', at: v.hash ?? undefined })}>
                View
              </a>
              {older && (
                <a class="button small" href={href(ns, { doc: path }, { tab: 'diff', from: older.hash ?? undefined, to: v.hash ?? undefined })}>
                  Diff with previous
                </a>
              )}
              {writer && i > 0 && (
                <a class="button small" href={href(ns, 'rollback', { to: v.hash ?? undefined, paths: path })}>
                  Roll back this document
                </a>
              )}
              {writer && (
                <a class="button small" href={href(ns, 'revert', { version: v.hash ?? undefined })}>
                  Revert
                </a>
              )}
            </div>
          );
        }}
      />
      <LoadMore pages={history} noun="versions" />
    </div>
  );
}

function DiffTab({
  api,
  ns,
  path,
  versions,
  from,
  to,
  onPick,
}: {
  api: Api;
  ns: string;
  path: string;
  versions: readonly VersionInfo[];
  from: string | null;
  to: string | null;
  onPick: (from: string | undefined, to: string | undefined) => void;
}) {
  const fromHash = from ?? versions[1]?.hash ?? null;
  const toHash = to ?? versions[0]?.hash ?? null;
  const loaded = useLoad(async () => (fromHash ? api.request(DIFF, { ns, from: fromHash, to: toHash, path }) : null), [api, ns, path, fromHash, toHash]);
  const diff = loaded.state === 'done' && loaded.data?.namespace?.__typename === 'Namespace' ? loaded.data.namespace.diff : null;
  return (
    <div class="panel">
      <div class="toolbar">
        <VersionPicker api={api} ns={ns} path={path} label="From" value={fromHash} onChange={(v) => onPick(v, toHash ?? undefined)} />
        <span class="arrow">→</span>
        <VersionPicker api={api} ns={ns} path={path} label="To" value={toHash} onChange={(v) => onPick(fromHash ?? undefined, v)} />
      </div>
      {!fromHash && <p class="muted">This document has a single version: nothing to compare yet.</p>}
      {fromHash && loaded.state === 'loading' && <p class="muted">Computing the diff…</p>}
      {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
      {diff?.__typename === 'Diff' &&
        (diff.files?.length ? (
          diff.files.map((file) => <FileDiffView key={file.path} file={file} />)
        ) : (
          <p class="muted">No difference between these versions.</p>
        ))}
      {diff && diff.__typename !== 'Diff' && <Problem result={diff} />}
    </div>
  );
}
