import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { EditorsOnly } from '../components/read-only-note.js';
import { UploadFiles } from '../components/upload-files.js';
import { type EditResult, OutcomeView } from '../components/write-outcome.js';
import type { Format } from '../document-lint.js';
import { DOCUMENTS, EDITABLE_DOCUMENT, PUT_CONFIG } from '../queries.js';
import { href, navigate } from '../route.js';
import { useLoad } from '../use-query.js';

const EXTENSION = /\.(json|ya?ml)$/;

/**
 * Creates a document: a path, a format (its extension), and empty content or a copy of an existing document as
 * the template. One commit that must not find the path taken (expectedVersion null); then the editor opens on it.
 */
export function NewDocumentView({ api, ns, params }: { api: Api; ns: string; params: URLSearchParams }) {
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>New document</h1>
          <p class="muted">A JSON or YAML document of {ns}, committed empty or as a copy of another, then opened in the editor.</p>
        </div>
      </header>
      <EditorsOnly ns={ns} why="creating documents needs the editor role.">
        <NewDocumentForm api={api} ns={ns} folder={params.get('folder') ?? ''} />
        <UploadFiles api={api} ns={ns} folder={params.get('folder') ?? ''} />
      </EditorsOnly>
    </section>
  );
}

function NewDocumentForm({ api, ns, folder }: { api: Api; ns: string; folder: string }) {
  const [path, setPath] = useState(folder ? `${folder.replace(/\/$/, '')}/` : '');
  const [chosenFormat, setFormat] = useState<Format>('JSON');
  const [template, setTemplate] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<EditResult | null>(null);
  const documents = useLoad(async () => documentPaths(api, ns), [api, ns]);
  const extension = EXTENSION.exec(path.trim())?.[1];
  const format: Format = extension ? (extension === 'json' ? 'JSON' : 'YAML') : chosenFormat;
  const target = extension ? path.trim() : `${path.trim()}${format === 'JSON' ? '.json' : '.yaml'}`;
  const submit = async (): Promise<void> => {
    setBusy(true);
    const result = await create(api, ns, target, format, template || null, comment.trim() || undefined);
    setBusy(false);
    if (result.__typename === 'WritePayload') navigate(href(ns, { doc: target }, { tab: 'edit' }));
    else setOutcome(result);
  };
  return (
    <form
      class="panel new-document"
      aria-label="New document"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label class="field">
        <span>Path</span>
        <input value={path} placeholder="services/api.yaml" required onInput={(e) => setPath(e.currentTarget.value)} />
      </label>
      <label class="field">
        <span>Format</span>
        <select value={format} disabled={!!extension} onChange={(e) => setFormat(e.currentTarget.value === 'YAML' ? 'YAML' : 'JSON')}>
          <option value="JSON">JSON</option>
          <option value="YAML">YAML</option>
        </select>
      </label>
      <label class="field">
        <span>Start from</span>
        <select value={template} onChange={(e) => setTemplate(e.currentTarget.value)}>
          <option value="">Empty document</option>
          {documents.state === 'done' &&
            documents.data.map((p) => (
              <option key={p} value={p}>
                A copy of {p}
              </option>
            ))}
        </select>
      </label>
      <label class="field">
        <span>Comment</span>
        <input value={comment} placeholder="Why" onInput={(e) => setComment(e.currentTarget.value)} />
      </label>
      <div class="form-actions">
        <span class="muted small">
          Creates <code>{target}</code>
        </span>
        <button class="button primary" type="submit" disabled={busy || !path.trim()}>
          Create
        </button>
      </div>
      {outcome && <OutcomeView outcome={outcome} />}
    </form>
  );
}

async function documentPaths(api: Api, ns: string): Promise<string[]> {
  const data = await api.request(DOCUMENTS, { ns });
  const configs = data.namespace?.__typename === 'Namespace' ? data.namespace.configs : null;
  return configs?.__typename === 'ConfigsSuccess' ? configs.data.flatMap((d) => (d.path ? [d.path] : [])) : [];
}

async function create(api: Api, ns: string, path: string, format: Format, template: string | null, comment: string | undefined): Promise<EditResult> {
  try {
    const text = template ? await templateText(api, ns, template, format) : '{}\n';
    const result = (await api.request(PUT_CONFIG, { input: { namespace: ns, path, text, expectedVersion: null, comment } })).putConfig;
    return result ?? { __typename: 'StorageFailure', code: 'CONSOLE', message: 'The server answered nothing.' };
  } catch (error) {
    return { __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message };
  }
}

/** The template's text, kept byte for byte in its own format and converted otherwise (comments do not survive that). */
async function templateText(api: Api, ns: string, template: string, format: Format): Promise<string> {
  const data = await api.request(EDITABLE_DOCUMENT, { ns, path: template, at: null });
  const doc = data.namespace?.__typename === 'Namespace' ? data.namespace.config : null;
  if (doc?.__typename !== 'ConfigDocument') throw new Error(`${template} no longer exists.`);
  const text = doc.text ?? '';
  if (doc.format === format) return text;
  // Loaded only for a conversion: the console's main bundle has no YAML library otherwise.
  const { parse, stringify } = await import('yaml');
  const value: unknown = parse(text);
  return format === 'JSON' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}
