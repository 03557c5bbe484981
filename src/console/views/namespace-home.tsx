import type { Api } from '../api.js';
import { Timeline } from '../components/timeline.js';
import { useTags, useVersionPages } from '../components/version-list.js';
import { href } from '../route.js';

/** A namespace without a document open: what changed lately, and where to go from here. */
export function NamespaceHome({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const loaded = useVersionPages(api, ns, null, revision, 10);
  const tags = useTags(api, ns, revision);
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>{ns}</h1>
          <p class="muted">
            Pick a document on the left, or look at the namespace's <a href={href(ns, 'versions')}>versions</a> and <a href={href(ns, 'audit')}>audit log</a>.
          </p>
        </div>
      </header>
      <div class="panel">
        <h2 class="panel-title">Recent changes</h2>
        {loaded.state === 'loading' && <p class="muted">Loading…</p>}
        {loaded.state === 'error' && <p class="alert alert-error">{loaded.error?.message}</p>}
        {loaded.state === 'done' && <Timeline versions={loaded.items} tags={tags.byVersion} expand={{ api, ns }} />}
      </div>
    </section>
  );
}
