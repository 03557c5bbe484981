import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { LoadMore } from '../components/load-more.js';
import { ReadOnlyNote } from '../components/read-only-note.js';
import { TagForm } from '../components/tag-form.js';
import { Timeline } from '../components/timeline.js';
import { VersionChanges } from '../components/version-changes.js';
import { useTags, useVersionPages } from '../components/version-list.js';
import { mayWrite, useOperator } from '../permissions.js';
import { href } from '../route.js';

/**
 * Every version of the namespace with its tags, what it changed, the ways back (roll back to it, or revert it
 * alone) and a tag for it. Older versions load a page at a time.
 */
export function VersionsView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const versions = useVersionPages(api, ns, null, revision);
  const tags = useTags(api, ns, revision);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [tagging, setTagging] = useState<string | null>(null);
  const writer = mayWrite(useOperator());
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
      <ReadOnlyNote ns={ns}>rolling back, reverting and tagging need the editor role. What each version changed is under Show changes.</ReadOnlyNote>
      <div class="panel">
        {versions.state === 'loading' && <p class="muted">Loading…</p>}
        {versions.state === 'error' && <p class="alert alert-error">{versions.error?.message}</p>}
        {versions.state === 'done' && (
          <Timeline
            versions={versions.items}
            tags={tags.byVersion}
            actions={(v, i) => {
              const hash = v.hash ?? '';
              return (
                <div class="version-actions">
                  <div class="timeline-actions">
                    <button class="button small" type="button" aria-expanded={open.has(hash)} onClick={() => toggle(hash)}>
                      {open.has(hash) ? 'Hide changes' : 'Show changes'}
                    </button>
                    {writer && i > 0 && (
                      <a class="button small" href={href(ns, 'rollback', { to: hash })}>
                        Roll back to this
                      </a>
                    )}
                    {writer && (
                      <a class="button small" href={href(ns, 'revert', { version: hash })}>
                        Revert
                      </a>
                    )}
                    {writer && (
                      <button class="button small" type="button" aria-expanded={tagging === hash} onClick={() => setTagging(tagging === hash ? null : hash)}>
                        Add tag
                      </button>
                    )}
                  </div>
                  {writer && tagging === hash && <TagForm api={api} ns={ns} version={hash} onCreated={tags.refresh} />}
                  {open.has(hash) && <VersionChanges api={api} ns={ns} hash={hash} />}
                </div>
              );
            }}
          />
        )}
        <LoadMore pages={versions} noun="versions" />
      </div>
    </section>
  );
}
