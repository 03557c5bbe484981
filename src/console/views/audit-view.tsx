import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { ActionBadge, Hash } from '../components/badges.js';
import { formatTime } from '../format.js';
import type { ResultOf, VariablesOf } from '../graphql.js';
import { LoadMore } from '../components/load-more.js';
import { pageSize } from '../page-size.js';
import { pageOf, usePages } from '../use-pages.js';
import { AUDIT } from '../queries.js';
import { href } from '../route.js';

type Filter = NonNullable<VariablesOf<typeof AUDIT>['filter']>;
type Action = NonNullable<Filter['action']>;

const ACTIONS: readonly Action[] = ['CREATE', 'UPDATE', 'DELETE', 'ROLLBACK', 'REVERT', 'MERGE', 'PROPOSE', 'APPROVE', 'REJECT', 'IMPORT'];

type Namespace = Extract<NonNullable<ResultOf<typeof AUDIT>['namespace']>, { __typename: 'Namespace' }>;
type Entry = NonNullable<NonNullable<NonNullable<NonNullable<Namespace['audit']>['edges']>[number]>['node']>;

interface Draft {
  operator: string;
  action: string;
  since: string;
  until: string;
  path: string;
}

/** Entries per page unless the address says otherwise (`?pageSize=`). */
const PAGE = 200;

const EMPTY: Draft = { operator: '', action: '', since: '', until: '', path: '' };

/** datetime-local gives local wall-clock time without a zone; the API takes instants. */
function instant(local: string): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}

function toFilter(draft: Draft): Filter {
  return {
    operator: draft.operator.trim() || undefined,
    action: (ACTIONS as readonly string[]).includes(draft.action) ? (draft.action as Action) : undefined,
    since: instant(draft.since),
    until: instant(draft.until),
    path: draft.path.trim() || undefined,
  };
}

/** The namespace's audit log, newest first, filtered by operator, action, time range and document. */
export function AuditView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [filter, setFilter] = useState<Filter>({});
  const size = pageSize(PAGE);
  const pages = usePages<Entry>(
    async (first, after) => {
      const namespace = (await api.request(AUDIT, { ns, filter, first, after })).namespace;
      if (namespace?.__typename !== 'Namespace')
        throw new Error(namespace && 'message' in namespace ? (namespace.message ?? 'unavailable') : 'Namespace not found');
      return pageOf(namespace.audit);
    },
    (entry) => entry.version?.hash ?? '',
    size,
    [api, ns, filter, size],
    revision,
  );
  const entries = pages.items;
  const set = (key: keyof Draft) => (e: { currentTarget: { value: string } }) => setDraft({ ...draft, [key]: e.currentTarget.value });
  return (
    <section>
      <header class="view-header">
        <h1>Audit log</h1>
      </header>
      <form
        class="panel filters"
        aria-label="Audit filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(toFilter(draft));
        }}
      >
        <label class="field">
          <span>Operator</span>
          <input name="operator" value={draft.operator} placeholder="exact name or email" onInput={set('operator')} />
        </label>
        <label class="field">
          <span>Action</span>
          <select name="action" value={draft.action} onChange={set('action')}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Since</span>
          <input name="since" type="datetime-local" step="1" value={draft.since} onInput={set('since')} />
        </label>
        <label class="field">
          <span>Until</span>
          <input name="until" type="datetime-local" step="1" value={draft.until} onInput={set('until')} />
        </label>
        <label class="field">
          <span>Document</span>
          <input name="path" value={draft.path} placeholder="path" onInput={set('path')} />
        </label>
        <div class="filter-actions">
          <button class="button primary" type="submit">
            Filter
          </button>
          <button
            class="button ghost"
            type="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilter({});
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <div class="panel">
        {pages.state === 'error' && <p class="alert alert-error">{pages.error?.message}</p>}
        <p class="muted small" data-testid="audit-count">
          {pages.state === 'loading' ? 'Loading…' : `${entries.length}${pages.hasMore ? '+' : ''} entr${entries.length === 1 && !pages.hasMore ? 'y' : 'ies'}`}
        </p>
        <table class="audit">
          <thead>
            <tr>
              <th>Time</th>
              <th>Operator</th>
              <th>Action</th>
              <th>Comment</th>
              <th>Documents</th>
              <th>Version</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.version?.hash} data-hash={entry.version?.hash}>
                <td class="nowrap">{formatTime(entry.time)}</td>
                <td>
                  <span title={entry.operator?.email ?? undefined}>{entry.operator?.name}</span>
                  {entry.importedBy && (
                    <div class="muted small" data-testid="imported">
                      imported by <span title={entry.importedBy.email ?? undefined}>{entry.importedBy.name ?? entry.importedBy.email}</span>, authored{' '}
                      {formatTime(entry.authoredAt)}
                    </div>
                  )}
                  {entry.operatorIp && <div class="muted small">{entry.operatorIp}</div>}
                </td>
                <td>
                  <ActionBadge action={entry.action} />
                </td>
                <td>{entry.comment}</td>
                <td>
                  {(entry.paths ?? []).map((p) => (
                    <a key={p} class="path-chip" href={href(ns, { doc: p })}>
                      {p}
                    </a>
                  ))}
                </td>
                <td>
                  <Hash value={entry.version?.shortHash} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <LoadMore pages={pages} noun="entries" />
      </div>
    </section>
  );
}
