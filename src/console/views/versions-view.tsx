import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { Timeline } from '../components/timeline.js';
import { VersionChanges } from '../components/version-changes.js';
import { OlderVersionsNote, useNamespaceVersions } from '../components/version-list.js';
import { href } from '../route.js';

/** Every version of the namespace with its tags, what it changed, and the ways back: roll back to it, or revert it alone. */
export function VersionsView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const loaded = useNamespaceVersions(api, ns, revision);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (hash: string): void => {
    const next = new Set(open);
    if (!next.delete(hash)) next.add(hash);
    setOpen(next);
  };
  return (
    <section>
      <header class="view-header">
        <h1>Versions</h1>
      </header>
      <div class="panel">
        {loaded.state === 'loading' && <p class="muted">Loading…</p>}
        {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
        {loaded.state === 'done' && (
          <Timeline
            versions={loaded.data.versions}
            tags={loaded.data.tags}
            actions={(v, i) => {
              const hash = v.hash ?? '';
              return (
                <div class="version-actions">
                  <div class="timeline-actions">
                    <button class="button small" type="button" aria-expanded={open.has(hash)} onClick={() => toggle(hash)}>
                      {open.has(hash) ? 'Hide changes' : 'Show changes'}
                    </button>
                    {i > 0 && (
                      <a class="button small" href={href(ns, 'rollback', { to: hash })}>
                        Roll back to this
                      </a>
                    )}
                    <a class="button small" href={href(ns, 'revert', { version: hash })}>
                      Revert
                    </a>
                  </div>
                  {open.has(hash) && <VersionChanges api={api} ns={ns} hash={hash} />}
                </div>
              );
            }}
          />
        )}
        {loaded.state === 'done' && <OlderVersionsNote shown={loaded.data.versions.length} more={loaded.data.more} />}
      </div>
    </section>
  );
}
