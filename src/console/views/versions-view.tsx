import type { Api } from '../api.js';
import { Timeline } from '../components/timeline.js';
import { useNamespaceVersions } from '../components/version-list.js';
import { href } from '../route.js';

/** Every version of the namespace, with the ways back: roll back to one, or revert one alone. */
export function VersionsView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const loaded = useNamespaceVersions(api, ns, revision);
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
            actions={(v, i) => (
              <>
                {i > 0 && (
                  <a class="button small" href={href(ns, 'rollback', { to: v.hash ?? undefined })}>
                    Roll back to this
                  </a>
                )}
                <a class="button small" href={href(ns, 'revert', { version: v.hash ?? undefined })}>
                  Revert
                </a>
              </>
            )}
          />
        )}
      </div>
    </section>
  );
}
