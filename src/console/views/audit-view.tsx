import type { Api } from '../api.js';
import { AuditEntryCells } from '../components/audit-entry-cells.js';
import { formatTime } from '../format.js';
import type { ResultOf } from '../graphql.js';
import { ACTIONS, filterKey, filterOf } from '../audit-filters.js';
import { AuditExport } from '../components/audit-export.js';
import { AuditFilterForm } from '../components/audit-filter-form.js';
import { LoadMore } from '../components/load-more.js';
import { pageSize } from '../page-size.js';
import { pageOf, usePages } from '../use-pages.js';
import { AUDIT } from '../queries.js';
import { href, navigate, useRoute } from '../route.js';

type Namespace = Extract<NonNullable<ResultOf<typeof AUDIT>['namespace']>, { __typename: 'Namespace' }>;
type Entry = NonNullable<NonNullable<NonNullable<NonNullable<Namespace['audit']>['edges']>[number]>['node']>;

/** Entries per page unless the address says otherwise (`?pageSize=`). */
const PAGE = 200;

/**
 * The namespace's audit log, newest first, filtered by operator, action, what it touched, time range and document.
 * The filters are in the address (`#/ns/app/audit?operator=ada`), and the export downloads what they select.
 */
export function AuditView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const route = useRoute();
  const params = route.view === 'audit' ? route.params : new URLSearchParams();
  const filter = filterOf(params);
  const key = filterKey(filter);
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
    [api, ns, key, size],
    revision,
  );
  const entries = pages.items;
  return (
    <section>
      <header class="view-header">
        <h1>Audit log</h1>
        <AuditExport api={api} endpoint={`/v1/audit/${encodeURIComponent(ns)}`} filter={filter} name={ns} />
      </header>
      <AuditFilterForm params={params} actions={ACTIONS} onApply={(next) => navigate(href(ns, 'audit', next))} />
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
                <AuditEntryCells ns={ns} entry={entry} />
              </tr>
            ))}
          </tbody>
        </table>
        <LoadMore pages={pages} noun="entries" />
      </div>
    </section>
  );
}
