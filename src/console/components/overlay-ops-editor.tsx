import { applyPatch, type Operation } from 'rfc6902';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { overlayPathOf } from '../overlay-paths.js';
import { EDITABLE_DOCUMENT, PUT_CONFIG } from '../queries.js';
import { useLoad } from '../use-query.js';
import { Hash } from './badges.js';
import { CodeBlock } from './code-block.js';
import { type EditResult, OutcomeView } from './write-outcome.js';

const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;
type Op = (typeof OPS)[number];
const WITH_VALUE: readonly Op[] = ['add', 'replace', 'test'];
const WITH_FROM: readonly Op[] = ['move', 'copy'];

/** One operation as edited: the value as typed JSON text. */
interface Row {
  readonly id: number;
  readonly op: Op;
  readonly path: string;
  readonly value: string;
  readonly from: string;
}

/** RFC 6901: '' or '/'-separated tokens, '~' only as '~0' or '~1'. */
const POINTER = /^(?:\/(?:[^~/]|~[01])*)*$/;

let nextId = 0;
const rowOf = (operation: Partial<Record<string, unknown>>): Row => ({
  id: nextId++,
  op: OPS.includes(operation.op as Op) ? (operation.op as Op) : 'add',
  path: typeof operation.path === 'string' ? operation.path : '',
  value: 'value' in operation ? JSON.stringify(operation.value) : '',
  from: typeof operation.from === 'string' ? operation.from : '',
});

/** What is wrong with a row as typed (null: it is a well-formed operation), and the operation it makes. */
function check(row: Row): { problem: string | null; operation: Operation | null } {
  if (!POINTER.test(row.path)) return { problem: `path: not a JSON pointer ('' or /a/b, ~0 for ~, ~1 for /)`, operation: null };
  if (WITH_FROM.includes(row.op)) {
    if (!POINTER.test(row.from)) return { problem: 'from: not a JSON pointer', operation: null };
    return { problem: null, operation: { op: row.op as 'move' | 'copy', path: row.path, from: row.from } };
  }
  if (!WITH_VALUE.includes(row.op)) return { problem: null, operation: { op: 'remove', path: row.path } };
  try {
    const value: unknown = JSON.parse(row.value);
    return { problem: null, operation: { op: row.op as 'add' | 'replace' | 'test', path: row.path, value } };
  } catch (error) {
    return { problem: `value: not JSON (${(error as Error).message}; a string needs quotes)`, operation: null };
  }
}

interface Loaded {
  readonly base: unknown;
  readonly rows: Row[];
  /** The head the overlay was read at (the save's expectedVersion); null: there is no overlay yet, the save creates it. */
  readonly version: string | null;
  readonly shortVersion: string | null;
}

async function load(api: Api, ns: string, basePath: string, overlayPath: string): Promise<Loaded> {
  const [base, overlay] = await Promise.all([
    api.request(EDITABLE_DOCUMENT, { ns, path: basePath }),
    api.request(EDITABLE_DOCUMENT, { ns, path: overlayPath }),
  ]);
  const baseDoc = base.namespace?.__typename === 'Namespace' ? base.namespace.config : null;
  if (baseDoc?.__typename !== 'ConfigDocument') throw new Error(`cannot read the base ${basePath}`);
  const doc = overlay.namespace?.__typename === 'Namespace' ? overlay.namespace.config : null;
  if (doc?.__typename === 'ConfigDocument') {
    const operations: unknown = doc.content;
    const rows = Array.isArray(operations) ? operations.map((o: Partial<Record<string, unknown>>) => rowOf(o)) : [];
    return { base: baseDoc.content, rows, version: doc.at?.hash ?? null, shortVersion: doc.at?.shortHash ?? null };
  }
  if (doc?.__typename === 'NotFound') return { base: baseDoc.content, rows: [], version: null, shortVersion: null };
  throw new Error(doc && 'message' in doc ? (doc.message ?? doc.__typename) : `cannot read ${overlayPath}`);
}

/**
 * A cluster's overlay as a list of RFC 6902 operations: each row checked as typed (a pointer, JSON), the effective
 * document previewed in the page (the operations applied to the base the editor read), and saved as one commit of the
 * overlay document, guarded by the version it was read at (a new overlay must not exist yet).
 */
export function OverlayOpsEditor({
  api,
  ns,
  basePath,
  cluster,
  onSaved,
  onClose,
}: {
  api: Api;
  ns: string;
  basePath: string;
  cluster: string;
  onSaved?: () => void;
  onClose?: () => void;
}) {
  const overlayPath = overlayPathOf(basePath, cluster);
  const [reads, setReads] = useState(0);
  // Kept here: a save reads the overlay again, which starts a new list of rows.
  const [outcome, setOutcome] = useState<EditResult | null>(null);
  const loaded = useLoad(() => load(api, ns, basePath, overlayPath), [api, ns, basePath, overlayPath, reads]);
  if (loaded.state === 'loading') return <p class="muted">Reading the overlay…</p>;
  if (loaded.state === 'error') return <p class="alert alert-error">{loaded.error.message}</p>;
  return (
    <>
      <Rows
        key={`${overlayPath}@${loaded.data.version ?? ''}`}
        api={api}
        ns={ns}
        overlayPath={overlayPath}
        cluster={cluster}
        loaded={loaded.data}
        onOutcome={(result) => {
          setOutcome(result);
          if (result.__typename !== 'WritePayload') return;
          setReads((n) => n + 1);
          onSaved?.();
        }}
        onClose={onClose}
      />
      {outcome && <OutcomeView outcome={outcome} />}
    </>
  );
}

function Rows({
  api,
  ns,
  overlayPath,
  cluster,
  loaded,
  onOutcome,
  onClose,
}: {
  api: Api;
  ns: string;
  overlayPath: string;
  cluster: string;
  loaded: Loaded;
  onOutcome: (outcome: EditResult) => void;
  onClose?: (() => void) | undefined;
}) {
  const [rows, setRows] = useState<Row[]>(loaded.rows);
  const [comment, setComment] = useState('');
  const [saving, setSaving] = useState(false);
  useEffect(() => setRows(loaded.rows), [loaded]);
  const checked = rows.map(check);
  const wellFormed = checked.every((c) => c.problem === null);
  const preview = useMemo(() => previewOf(loaded.base, checked), [loaded.base, rows]);
  const update = (index: number, change: Partial<Row>): void => setRows(rows.map((r, i) => (i === index ? { ...r, ...change } : r)));
  const move = (index: number, by: number): void => {
    const next = [...rows];
    const [row] = next.splice(index, 1);
    if (row) next.splice(index + by, 0, row);
    setRows(next);
  };
  const save = async (): Promise<void> => {
    if (!wellFormed) return;
    setSaving(true);
    try {
      const content = checked.map((c) => c.operation);
      const input = { namespace: ns, path: overlayPath, content, expectedVersion: loaded.version, comment: comment.trim() || undefined };
      const result = (await api.request(PUT_CONFIG, { input })).putConfig;
      onOutcome(result ?? { __typename: 'InvalidInput', code: 'CONSOLE', message: 'no answer' });
    } catch (error) {
      onOutcome({ __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message });
    } finally {
      setSaving(false);
    }
  };
  return (
    <div class="overlay-ops" data-testid="overlay-ops">
      <h3 class="panel-title">
        Overlay of cluster {cluster}: <code>{overlayPath}</code>{' '}
        <span class="muted small">{loaded.version ? <>read at {<Hash value={loaded.shortVersion} />}</> : 'new: saving creates it'}</span>
      </h3>
      <table class="ops-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Operation</th>
            <th>Path</th>
            <th>Value (JSON) / from</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => {
            const problem = checked[i]?.problem ?? preview.failures.get(i) ?? null;
            return (
              <tr key={row.id} data-testid="op-row" class={problem ? 'conflict-row' : ''}>
                <td class="muted">{i}</td>
                <td>
                  <select name="op" aria-label={`Operation ${i}`} value={row.op} onChange={(e) => update(i, { op: e.currentTarget.value as Op })}>
                    {OPS.map((op) => (
                      <option key={op} value={op}>
                        {op}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    name="path"
                    aria-label={`Path of operation ${i}`}
                    value={row.path}
                    placeholder="/key"
                    onInput={(e) => update(i, { path: e.currentTarget.value })}
                  />
                </td>
                <td>
                  {WITH_VALUE.includes(row.op) && (
                    <textarea
                      class="ops-value"
                      name="value"
                      rows={1}
                      aria-label={`Value of operation ${i}`}
                      value={row.value}
                      onInput={(e) => update(i, { value: e.currentTarget.value })}
                    />
                  )}
                  {WITH_FROM.includes(row.op) && (
                    <input
                      name="from"
                      aria-label={`From of operation ${i}`}
                      value={row.from}
                      placeholder="/other"
                      onInput={(e) => update(i, { from: e.currentTarget.value })}
                    />
                  )}
                  {problem && (
                    <p class="field-error small" role="alert">
                      {problem}
                    </p>
                  )}
                </td>
                <td class="row-actions">
                  <button class="button small" type="button" aria-label={`Move operation ${i} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button
                    class="button small"
                    type="button"
                    aria-label={`Move operation ${i} down`}
                    disabled={i === rows.length - 1}
                    onClick={() => move(i, 1)}
                  >
                    ↓
                  </button>
                  <button class="button small" type="button" aria-label={`Remove operation ${i}`} onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="form-actions">
        <button class="button" type="button" onClick={() => setRows([...rows, rowOf({ op: 'replace', path: '' })])}>
          Add operation
        </button>
      </div>
      <h4>Preview: the effective document</h4>
      {preview.document === undefined ? (
        <p class="muted small">Fix the operations above to see the effective document.</p>
      ) : (
        <CodeBlock text={`${JSON.stringify(preview.document, null, 2)}\n`} format="JSON" />
      )}
      <form
        class="form-actions"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <label class="field grow">
          <span>Comment (the commit message)</span>
          <input name="overlay-comment" value={comment} placeholder="Why this overlay?" onInput={(e) => setComment(e.currentTarget.value)} />
        </label>
        <button class="button primary" type="submit" disabled={!wellFormed || saving}>
          Save overlay
        </button>
        {onClose && (
          <button class="button" type="button" onClick={onClose}>
            Close
          </button>
        )}
      </form>
    </div>
  );
}

/**
 * The operations applied to the base as read, in the page (rfc6902, the library the server applies overlays with):
 * which operations fail, and the document when every one applies. The server checks again when it is saved.
 */
function previewOf(base: unknown, checked: readonly { operation: Operation | null }[]): { document: unknown; failures: Map<number, string> } {
  const failures = new Map<number, string>();
  const operations = checked.map((c) => c.operation).filter((o): o is Operation => o !== null);
  if (operations.length < checked.length) return { document: undefined, failures };
  // Under a holder, so that an operation on the whole document ('') replaces it as the server's does.
  const holder = { root: structuredClone(base) };
  applyPatch(holder, operations.map(rooted)).forEach((error, i) => {
    if (error) failures.set(i, `does not apply: ${error.name}${error.message ? ` (${error.message})` : ''}`);
  });
  return { document: failures.size ? undefined : holder.root, failures };
}

function rooted(operation: Operation): Operation {
  const path = `/root${operation.path}`;
  return 'from' in operation ? { ...operation, path, from: `/root${operation.from}` } : { ...operation, path };
}
