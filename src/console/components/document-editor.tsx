import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { type Format, documentDiagnostics } from '../document-lint.js';
import { type DocumentSchema, schemasFor } from '../document-schemas.js';
import { governed } from '../policy-rules.js';
import { schemaAssist } from '../schema-assist.js';
import { type StagedChange, readTray, stage, unstage, useTray } from '../change-tray.js';
import { guardLeave } from '../leave-guard.js';
import { EDITABLE_DOCUMENT, POLICY, PROPOSE_CHANGE, PUT_CONFIG } from '../queries.js';
import { href, parseRoute } from '../route.js';
import { useLoad } from '../use-query.js';
import { Hash } from './badges.js';
import { CodeEditor } from './code-editor.js';
import { ChangeTrayBar } from './change-tray-bar.js';
import { ConflictView } from './conflict-view.js';
import { Problem } from './problem.js';
import { type EditResult, OutcomeView } from './write-outcome.js';

/** The text in the editor and the version it is based on: a save is refused if the document moved since. */
interface Draft {
  readonly text: string;
  readonly base: string;
  /** The document's text at `base`: Save is offered once the editor's text differs from it. */
  readonly baseText: string;
  /** Bumped to load a text into the editor (a merge, theirs): CodeMirror owns its text otherwise. */
  readonly generation: number;
}

type Saved =
  | { readonly kind: 'result'; readonly result: EditResult }
  | { readonly kind: 'proposed'; readonly id: string }
  | { readonly kind: 'conflict'; readonly current: string; readonly yours: string }
  | { readonly kind: 'failed'; readonly message: string };

/**
 * Edits the document at head: syntax and JSON Schema errors underlined as you type, and a save that commits (or,
 * on a path a policy rule governs, opens a change request) guarded by the version opened. Loaded once: the live
 * feed refreshing the page must not replace what is being typed.
 */
export function DocumentEditor({ api, ns, path }: { api: Api; ns: string; path: string }) {
  const loaded = useLoad(async () => {
    const [doc, schemas, policy] = await Promise.all([api.request(EDITABLE_DOCUMENT, { ns, path, at: null }), schemasFor(api, ns, path), policyOf(api, ns)]);
    return { doc: doc.namespace?.__typename === 'Namespace' ? doc.namespace.config : doc.namespace, schemas, governed: governed(policy, path) };
  }, [api, ns, path]);
  if (loaded.state === 'loading') return <p class="muted">Loading…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error">{loaded.error.message}</p>;
  const { doc, schemas } = loaded.data;
  if (doc?.__typename !== 'ConfigDocument') return <Problem result={doc} />;
  const format: Format = doc.format === 'YAML' ? 'YAML' : 'JSON';
  // Staged in the draft change request: the editor goes on from the staged text and its version.
  const staged = readTray(ns).find((c) => c.path === path);
  return (
    <EditSession
      api={api}
      ns={ns}
      path={path}
      format={format}
      schemas={schemas}
      governed={loaded.data.governed}
      opened={{ text: staged?.text ?? doc.text ?? '', base: staged?.base ?? doc.at?.hash ?? '', baseText: doc.text ?? '', generation: 0 }}
    />
  );
}

async function policyOf(api: Api, ns: string): Promise<unknown> {
  const data = await api.request(POLICY, { ns });
  const config = data.namespace?.__typename === 'Namespace' ? data.namespace.config : null;
  return config?.__typename === 'ConfigDocument' ? config.content : null;
}

function EditSession({
  api,
  ns,
  path,
  format,
  schemas,
  governed: proposes,
  opened,
}: {
  api: Api;
  ns: string;
  path: string;
  format: Format;
  schemas: readonly DocumentSchema[];
  governed: boolean;
  opened: Draft;
}) {
  const [draft, setDraft] = useState(opened);
  const [text, setText] = useState(opened.text);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<Saved | null>(null);
  const check = useMemo(() => (t: string) => documentDiagnostics(t, format, schemas), [format, schemas]);
  const assist = useMemo(() => schemaAssist(format, schemas), [format, schemas]);
  const load = (next: string, base: string, baseText: string): void => {
    setDraft((d) => ({ text: next, base, baseText, generation: d.generation + 1 }));
    setText(next);
    setSaved(null);
  };
  /** `asProposal`: the server said a rule governs the path where the console did not foresee it. */
  const save = async (asProposal = proposes): Promise<void> => {
    setBusy(true);
    const outcome = await (asProposal ? propose(api, ns, path, text, draft.base, comment) : commit(api, ns, path, text, draft.base, comment));
    setBusy(false);
    setSaved(outcome);
    // Saved or proposed on its own: a staged copy of this document would propose it again.
    if (outcome.kind === 'proposed' || (outcome.kind === 'result' && outcome.result.__typename === 'WritePayload')) unstage(ns, path);
    // The next save is guarded by the version this one made.
    const result = outcome.kind === 'result' ? outcome.result : null;
    if (result?.__typename === 'WritePayload' && result.version?.hash) {
      const version = result.version.hash;
      setDraft((d) => ({ ...d, base: version, baseText: text }));
      setComment('');
    }
  };
  const changed = text !== draft.baseText;
  const staged = useTray(ns).find((c) => c.path === path);
  // Staged text is kept in the tray: only text neither saved nor staged would be lost by leaving.
  useLeaveWarning(ns, path, changed && text !== staged?.text);
  const addToRequest = (): void => stage(ns, { path, text, base: draft.base } satisfies StagedChange);
  return (
    <div class="editor-panel">
      <SchemaNote schemas={schemas} />
      <CodeEditor key={draft.generation} text={draft.text} format={format} check={check} assist={assist} onChange={setText} />
      <form
        class="save-bar"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <label class="field grow">
          <span>Comment</span>
          <input value={comment} placeholder="Why this change" onInput={(e) => setComment(e.currentTarget.value)} />
        </label>
        <span class="muted small">
          Based on <Hash value={draft.base.slice(0, 7)} />
        </span>
        <button class="button" type="button" disabled={busy || !changed || text === staged?.text} onClick={addToRequest}>
          Add to change request
        </button>
        <button class="button primary" type="submit" disabled={busy || !changed}>
          {proposes ? 'Propose change' : 'Save'}
        </button>
      </form>
      {staged && (
        <p class="muted small" data-testid="staged-note">
          {text === staged.text ? 'This text is staged' : 'An earlier text of this document is staged'} in the draft change request below: it is proposed with
          the other staged documents when you open the change request.
        </p>
      )}
      <ChangeTrayBar api={api} ns={ns} />
      {proposes && (
        <p class="muted small" data-testid="governed-note">
          An approval rule of this namespace's policy covers {path}: saving opens a change request for review instead of committing (or add it to the draft
          change request, to propose it with other documents).
        </p>
      )}
      {saved && <SavedView api={api} ns={ns} path={path} format={format} base={draft.base} saved={saved} onLoad={load} onPropose={() => void save(true)} />}
    </div>
  );
}

/**
 * Closing or reloading the tab, or going to another view or document, with unsaved text asks first: the text lives
 * only in this page. The document's own tabs (diff, blame) keep the editor and its text.
 */
function useLeaveWarning(ns: string, path: string, unsaved: boolean): void {
  // Read when the reader leaves, as the last render left it: an effect registered after the render that typed the
  // text runs a frame later, and a move within that frame left unwarned.
  const current = useRef(unsaved);
  current.current = unsaved;
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent): void => {
      if (current.current) event.preventDefault();
    };
    addEventListener('beforeunload', warn);
    const unguard = guardLeave((next) => {
      if (!current.current) return false;
      const route = parseRoute(next);
      return !(route.view === 'documents' && route.ns === ns && route.path === path);
    });
    return () => {
      removeEventListener('beforeunload', warn);
      unguard();
    };
  }, [ns, path]);
}

function SchemaNote({ schemas }: { schemas: readonly DocumentSchema[] }) {
  if (!schemas.length) return <p class="muted small">No JSON Schema covers this document: only its syntax is checked as you type.</p>;
  return (
    <p class="muted small" data-testid="schema-note">
      Checked as you type against {schemas.map((s) => s.file.replace('.cairn/schemas/', '')).join(', ')} (from .cairn/schemas).
    </p>
  );
}

function SavedView({
  api,
  ns,
  path,
  format,
  base,
  saved,
  onLoad,
  onPropose,
}: {
  api: Api;
  ns: string;
  path: string;
  format: Format;
  base: string;
  saved: Saved;
  onLoad: (text: string, base: string, baseText: string) => void;
  onPropose: () => void;
}) {
  switch (saved.kind) {
    case 'result':
      return (
        <>
          <OutcomeView outcome={saved.result} />
          {saved.result.__typename === 'ApprovalRequired' && (
            <button class="button primary" type="button" onClick={onPropose}>
              Propose change instead
            </button>
          )}
        </>
      );
    case 'proposed':
      return (
        <p class="alert alert-ok" data-testid="proposed">
          ✓ Change request <code>{saved.id}</code> opened: nothing is committed until it is approved and merged.{' '}
          <a href={href(ns, 'proposals')}>See the change requests</a>
        </p>
      );
    case 'conflict':
      return <ConflictView api={api} ns={ns} path={path} format={format} base={base} yours={saved.yours} onLoad={onLoad} />;
    case 'failed':
      return <p class="alert alert-error">{saved.message}</p>;
  }
}

async function commit(api: Api, ns: string, path: string, text: string, base: string, comment: string): Promise<Saved> {
  try {
    const input = { namespace: ns, path, text, expectedVersion: base, comment: comment.trim() || undefined };
    const result = (await api.request(PUT_CONFIG, { input })).putConfig;
    if (!result) return { kind: 'failed', message: 'The server answered nothing.' };
    if (result.__typename === 'VersionConflict') return { kind: 'conflict', current: result.currentVersion ?? '', yours: text };
    return { kind: 'result', result };
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message };
  }
}

async function propose(api: Api, ns: string, path: string, text: string, base: string, comment: string): Promise<Saved> {
  try {
    const input = { namespace: ns, expectedVersion: base, comment: comment.trim() || undefined, changes: [{ path, text }] };
    const result = (await api.request(PROPOSE_CHANGE, { input })).proposeChange;
    if (result?.__typename === 'Proposal') return { kind: 'proposed', id: result.id ?? '' };
    if (result?.__typename === 'VersionConflict') return { kind: 'conflict', current: result.currentVersion ?? '', yours: text };
    return { kind: 'failed', message: result?.message ?? 'The server answered nothing.' };
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message };
  }
}
