import type { Api } from '../api.js';
import { VERSION_DIFF } from '../queries.js';
import { useLoad } from '../use-query.js';
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
