import type { Api } from '../api.js';
import { focusByArrows } from '../arrow-keys.js';
import { DOCUMENTS } from '../queries.js';
import { href } from '../route.js';
import { useLoad } from '../use-query.js';

interface Folder {
  readonly folders: Map<string, Folder>;
  readonly files: { name: string; path: string; format: string }[];
}

function buildTree(documents: readonly { path: string; format: string }[]): Folder {
  const root: Folder = { folders: new Map(), files: [] };
  for (const doc of documents) {
    const parts = doc.path.split('/');
    const name = parts.pop() ?? doc.path;
    let folder = root;
    for (const part of parts) {
      let next = folder.folders.get(part);
      if (!next) folder.folders.set(part, (next = { folders: new Map(), files: [] }));
      folder = next;
    }
    folder.files.push({ name, path: doc.path, format: doc.format });
  }
  return root;
}

/** The namespace's documents at head, as folders (collapsible) and files. */
export function DocumentTree({ api, ns, revision, selected }: { api: Api; ns: string; revision: number; selected: string | null }) {
  const loaded = useLoad(() => api.request(DOCUMENTS, { ns }), [api, ns, revision]);
  if (loaded.state === 'loading') return <p class="muted small tree-status">Loading documents…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error small">{loaded.error.message}</p>;
  const namespace = loaded.data.namespace;
  if (namespace?.__typename !== 'Namespace')
    return <p class="alert alert-error small">{namespace && 'message' in namespace ? namespace.message : 'Namespace not found'}</p>;
  const configs = namespace.configs;
  if (configs?.__typename !== 'ConfigsSuccess')
    return <p class="alert alert-error small">{configs && 'message' in configs ? configs.message : 'Documents unavailable'}</p>;
  const documents = configs.data.map((d) => ({ path: d.path ?? '', format: d.format ?? 'JSON' }));
  if (!documents.length) return <p class="muted small tree-status">No documents yet.</p>;
  return (
    <div class="tree" role="tree" aria-label="Documents" onKeyDown={(event) => void focusByArrows(event, 'summary, a.tree-file', 'vertical')}>
      <FolderView ns={ns} folder={buildTree(documents)} selected={selected} />
    </div>
  );
}

function FolderView({ ns, folder, selected }: { ns: string; folder: Folder; selected: string | null }) {
  return (
    <ul>
      {[...folder.folders.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, child]) => (
          <li key={name}>
            <details open>
              <summary class="tree-folder">{name}</summary>
              <FolderView ns={ns} folder={child} selected={selected} />
            </details>
          </li>
        ))}
      {folder.files
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((file) => (
          <li key={file.path}>
            <a class={`tree-file${file.path === selected ? ' selected' : ''}`} href={href(ns, { doc: file.path })} data-path={file.path} role="treeitem">
              <span class={`file-icon format-${file.format.toLowerCase()}`}>{file.format === 'YAML' ? 'Y' : '{}'}</span>
              {file.name}
            </a>
          </li>
        ))}
    </ul>
  );
}
