import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { VERSION_DIFF } from '../queries.js';
import { useLoad } from '../use-query.js';
import { ChangeMark, markOf } from './badges.js';
import { ChangeList } from './change-list.js';
import { FileDiffView } from './file-diff-view.js';
import { Problem } from './problem.js';

/** Everything one version changed, against its first parent, document by document. */
export function VersionChanges({ api, ns, hash }: { api: Api; ns: string; hash: string }) {
  const loaded = useLoad(() => api.request(VERSION_DIFF, { ns, ref: hash }), [api, ns, hash]);
  if (loaded.state === 'loading') return <p class="muted small">Loading changes…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error">{loaded.error.message}</p>;
  const namespace = loaded.data.namespace;
  const version = namespace?.__typename === 'Namespace' ? namespace.version : null;
  if (version?.__typename !== 'Version') return <Problem result={version ?? namespace} />;
  const files = version.diff ?? [];
  if (!files.length) return <p class="muted small">No document changed.</p>;
  return (
    <div class="version-changes">
      {files.map((file) => (
        <FileDiffView key={file.path} file={file} />
      ))}
    </div>
  );
}

/**
 * Which values one version changed (pointer, before → after), document by document, read when first shown: a
 * timeline row or a feed entry expands to it.
 */
export function ValueChanges({ api, ns, hash }: { api: Api; ns: string; hash: string }) {
  const loaded = useLoad(() => api.request(VERSION_DIFF, { ns, ref: hash }), [api, ns, hash]);
  if (loaded.state === 'loading') return <p class="muted small">Loading changes…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error small">{loaded.error.message}</p>;
  const namespace = loaded.data.namespace;
  const version = namespace?.__typename === 'Namespace' ? namespace.version : null;
  if (version?.__typename !== 'Version') return <Problem result={version ?? namespace} />;
  const files = version.diff ?? [];
  if (!files.length) return <p class="muted small">No document changed.</p>;
  return (
    <div class="value-changes" data-testid="value-changes">
      {files.map((file) => (
        <div key={file.path} class="value-changes-file" data-path={file.path}>
          <div class="value-changes-path small">
            <ChangeMark kind={markOf(file.status)} /> <code>{file.path}</code>
          </div>
          {file.changes?.length ? (
            <ChangeList changes={file.changes} />
          ) : (
            <p class="muted small">{file.status === 'MODIFIED' ? 'Only its text changed (comments, layout).' : `Document ${markOf(file.status)}.`}</p>
          )}
        </div>
      ))}
    </div>
  );
}

/** The toggle that shows a version's value changes under it, and them once open. */
export function ValueChangesToggle({ api, ns, hash }: { api: Api; ns: string; hash: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="value-changes-toggle">
      <button
        class="button link small"
        type="button"
        aria-expanded={open}
        // Inside a selectable timeline row: opening the changes is not picking the version.
        onClick={(e) => {
          e.stopPropagation();
          setOpen(!open);
        }}
        onKeyDown={(e) => e.stopPropagation()}
      >
        {open ? '▾ Hide values changed' : '▸ Values changed'}
      </button>
      {open && <ValueChanges api={api} ns={ns} hash={hash} />}
    </div>
  );
}
