import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { Format } from '../document-lint.js';
import type { ResultOf } from '../graphql.js';
import { UPLOAD_DOCUMENTS } from '../queries.js';
import { href } from '../route.js';

/** Files read at once: an upload is a handful of documents, not a repository import (that is `cairn import`). */
const MAX_FILES = 100;
/** Bytes a file may have; larger files are refused before reading (the server has its own, stricter, limits). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

interface Upload {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  readonly text: string;
  /** Why this file cannot be committed (read, parse, schema), per file. */
  readonly problem: string | null;
}

type Answer = NonNullable<ResultOf<typeof UPLOAD_DOCUMENTS>['applyChanges']>;

export function formatOf(path: string): Format | null {
  const extension = /\.(json|ya?ml)$/i.exec(path)?.[1]?.toLowerCase();
  return extension ? (extension === 'json' ? 'JSON' : 'YAML') : null;
}

function joinPath(folder: string, name: string): string {
  const base = folder.trim().replace(/^\/+|\/+$/g, '');
  return base ? `${base}/${name}` : name;
}

let nextId = 0;

/**
 * Several files as new documents in ONE commit (applyChanges): chosen or dropped, each with its target path (the
 * folder and its file name, editable) and its format from the extension. Every file is parsed first; a file that
 * does not parse or that the server's schemas refuse is reported on its own row, and nothing is committed.
 */
export function UploadFiles({ api, ns, folder: initialFolder }: { api: Api; ns: string; folder: string }) {
  const [folder, setFolder] = useState(initialFolder);
  const [uploads, setUploads] = useState<readonly Upload[]>([]);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string; hash?: string } | null>(null);

  const add = async (files: FileList | null): Promise<void> => {
    const chosen = [...(files ?? [])].slice(0, MAX_FILES);
    const read = await Promise.all(chosen.map((file) => readUpload(file, folder)));
    setUploads((current) => [...current, ...read]);
    setMessage(null);
  };
  const update = (id: number, change: Partial<Upload>): void => setUploads((current) => current.map((u) => (u.id === id ? { ...u, ...change } : u)));
  const remove = (id: number): void => setUploads((current) => current.filter((u) => u.id !== id));

  const commit = async (): Promise<void> => {
    setBusy(true);
    setMessage(null);
    const checked = await Promise.all(uploads.map(async (u) => ({ ...u, problem: await localProblem(u) })));
    setUploads(checked);
    if (checked.some((u) => u.problem)) {
      setBusy(false);
      setMessage({ kind: 'error', text: 'Nothing was committed: fix or remove the files marked below.' });
      return;
    }
    try {
      const answer = (
        await api.request(UPLOAD_DOCUMENTS, {
          input: {
            namespace: ns,
            expectedVersion: null,
            comment: comment.trim() || undefined,
            changes: checked.map((u) => ({ path: u.path.trim(), text: u.text })),
          },
        })
      ).applyChanges;
      applyAnswer(answer, checked);
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const applyAnswer = (answer: Answer | null, checked: readonly Upload[]): void => {
    if (answer?.__typename === 'WritePayload') {
      setUploads([]);
      setComment('');
      setMessage({
        kind: 'ok',
        text: `Committed ${checked.length} document${checked.length === 1 ? '' : 's'} as one version`,
        hash: answer.version?.hash ?? undefined,
      });
      return;
    }
    const problems = problemsByPath(answer);
    setUploads(checked.map((u) => ({ ...u, problem: problems.get(u.path.trim()) ?? null })));
    const general = answer && 'message' in answer ? answer.message : 'The server refused the upload.';
    setMessage({ kind: 'error', text: `Nothing was committed: ${general}` });
  };

  return (
    <section class="panel upload-files" aria-label="Upload files">
      <h2 class="panel-title">Upload files</h2>
      <p class="muted small">
        JSON and YAML files become documents of {ns}, all in one commit. A file that does not parse or fails its schema is shown here, and nothing is committed.
      </p>
      <div
        class={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void add(e.dataTransfer?.files ?? null);
        }}
      >
        <label class="button small">
          Choose files…
          <input
            class="visually-hidden"
            type="file"
            multiple
            accept=".json,.yaml,.yml"
            aria-label="Files to upload"
            onChange={(e) => {
              void add(e.currentTarget.files);
              e.currentTarget.value = '';
            }}
          />
        </label>
        <span class="muted small">or drop them here</span>
      </div>
      <label class="field">
        <span>Folder (for files added next)</span>
        <input value={folder} name="upload-folder" placeholder="services" onInput={(e) => setFolder(e.currentTarget.value)} />
      </label>
      {uploads.length > 0 && (
        <ul class="upload-list">
          {uploads.map((u) => (
            <li key={u.id} class={`upload${u.problem ? ' invalid' : ''}`} data-file={u.name}>
              <div class="upload-row">
                <label class="field grow">
                  <span>{u.name} →</span>
                  <input value={u.path} aria-label={`Path for ${u.name}`} onInput={(e) => update(u.id, { path: e.currentTarget.value, problem: null })} />
                </label>
                <span class="badge">{formatOf(u.path) ?? '?'}</span>
                <button class="button ghost small" type="button" onClick={() => remove(u.id)} aria-label={`Remove ${u.name}`}>
                  Remove
                </button>
              </div>
              {u.problem && (
                <p class="alert alert-error small upload-problem" role="alert">
                  {u.problem}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <label class="field">
        <span>Comment</span>
        <input value={comment} name="upload-comment" placeholder="Why" onInput={(e) => setComment(e.currentTarget.value)} />
      </label>
      <div class="form-actions">
        <button class="button primary" type="button" disabled={busy || !uploads.length} onClick={() => void commit()}>
          {busy ? 'Committing…' : `Commit ${uploads.length} file${uploads.length === 1 ? '' : 's'}`}
        </button>
      </div>
      {message && (
        <p class={`alert ${message.kind === 'ok' ? 'alert-ok' : 'alert-error'}`} role="status" data-testid="upload-outcome">
          {message.text}
          {message.hash && (
            <>
              {': '}
              <a href={href(ns, 'versions')}>
                <code class="hash">{message.hash.slice(0, 7)}</code>
              </a>
            </>
          )}
        </p>
      )}
    </section>
  );
}

async function readUpload(file: File, folder: string): Promise<Upload> {
  const base = { id: nextId++, name: file.name, path: joinPath(folder, file.name) };
  if (file.size > MAX_FILE_BYTES) return { ...base, text: '', problem: `Larger than ${MAX_FILE_BYTES / 1024 / 1024} MB.` };
  try {
    return { ...base, text: await file.text(), problem: null };
  } catch (error) {
    return { ...base, text: '', problem: `Could not be read: ${(error as Error).message}` };
  }
}

/** What the console can tell without the server: the path names a format, and the text parses in it. */
async function localProblem(upload: Upload): Promise<string | null> {
  if (upload.problem?.startsWith('Larger') || upload.problem?.startsWith('Could not')) return upload.problem;
  const path = upload.path.trim();
  const format = formatOf(path);
  if (!path || path.endsWith('/')) return 'A path is needed.';
  if (!format) return 'The path must end in .json, .yaml or .yml (the format follows the extension).';
  try {
    if (format === 'JSON') JSON.parse(upload.text);
    else {
      // Loaded only for an upload: the console's main bundle has no YAML library otherwise.
      const { parseDocument } = await import('yaml');
      const errors = parseDocument(upload.text).errors;
      if (errors.length) throw new Error(errors[0]?.message ?? 'invalid YAML');
    }
    return null;
  } catch (error) {
    return `Does not parse as ${format}: ${(error as Error).message}`;
  }
}

/** The server's refusal, attributed to the files it names. */
function problemsByPath(answer: Answer | null): Map<string, string> {
  const byPath = new Map<string, string>();
  const note = (path: string | null | undefined, text: string): void => {
    if (path) byPath.set(path, byPath.has(path) ? `${byPath.get(path)}; ${text}` : text);
  };
  if (answer?.__typename === 'InvalidDocument')
    note(answer.path, `Does not parse: ${answer.detail ?? answer.message}${answer.line ? ` (line ${answer.line})` : ''}`);
  if (answer?.__typename === 'SchemaViolation') {
    for (const v of answer.violations ?? []) note(v.path, `${v.pointer || '/'}: ${v.message} (${v.schema})`);
  }
  if (answer?.__typename === 'VersionConflict') for (const path of answer.paths ?? []) note(path, 'A document already exists at this path.');
  return byPath;
}
