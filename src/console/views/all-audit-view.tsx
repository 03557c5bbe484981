import type { Api } from '../api.js';
import { ACROSS_ACTIONS, filterKey, filterOf } from '../audit-filters.js';
import { AuditExport } from '../components/audit-export.js';
import { AuditFilterForm } from '../components/audit-filter-form.js';
import { AuditEntryCells } from '../components/audit-entry-cells.js';
import { LoadMore } from '../components/load-more.js';
import { formatTime } from '../format.js';
import type { ResultOf } from '../graphql.js';
import { pageSize } from '../page-size.js';
import { AUDIT_ACROSS } from '../queries.js';
import { ALL_AUDIT, href, navigate } from '../route.js';
import { pageOf, usePages } from '../use-pages.js';

type Entry = NonNullable<NonNullable<NonNullable<NonNullable<ResultOf<typeof AUDIT_ACROSS>['audit']>['edges']>[number]>['node']>;

/** The server's cap on a page across namespaces (services/audit-across.ts, MAX_AUDIT_ACROSS_PAGE). */
const MAX_ACROSS_PAGE = 100;

/**
 * The audit log across every namespace one may read, newest first, with the namespace audit's filters (but proposals
 * and reviews, which each namespace's own audit lists): kept in the address, exported as the namespace audit is.
 */
export function AllAuditView({ api, params }: { api: Api; params: URLSearchParams }) {
  const filter = filterOf(params, ACROSS_ACTIONS);
  const key = filterKey(filter);
  const size = Math.min(pageSize(MAX_ACROSS_PAGE), MAX_ACROSS_PAGE);
  const pages = usePages<Entry>(
    async (first, after) => pageOf((await api.request(AUDIT_ACROSS, { filter, first: Math.min(first, MAX_ACROSS_PAGE), after })).audit),
    (entry) => `${entry.namespace}:${entry.version?.hash ?? ''}`,
    size,
    [api, key, size],
    0,
  );
  const entries = pages.items;
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Audit log: all namespaces</h1>
          <p class="muted small">Every namespace you may read. Change requests and reviews are in each namespace's own audit log.</p>
        </div>
        <AuditExport api={api} endpoint="/v1/audit" filter={filter} name="all-namespaces" />
      </header>
      <AuditFilterForm
        params={params}
        actions={ACROSS_ACTIONS}
        onApply={(next) => {
          const query = new URLSearchParams(Object.entries(next).filter((e): e is [string, string] => !!e[1])).toString();
          navigate(query ? `${ALL_AUDIT}?${query}` : ALL_AUDIT);
        }}
      />
      <div class="panel">
        {pages.state === 'error' && <p class="alert alert-error">{pages.error?.message}</p>}
        <p class="muted small" data-testid="audit-count">
          {pages.state === 'loading' ? 'Loading…' : `${entries.length}${pages.hasMore ? '+' : ''} entr${entries.length === 1 && !pages.hasMore ? 'y' : 'ies'}`}
        </p>
        <table class="audit">
          <thead>
            <tr>
              <th>Time</th>
              <th>Namespace</th>
              <th>Operator</th>
              <th>Action</th>
              <th>Comment</th>
              <th>Documents</th>
              <th>Version</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => {
              const ns = entry.namespace ?? '';
              return (
                <tr key={`${ns}:${entry.version?.hash}`} data-hash={entry.version?.hash} data-namespace={ns}>
                  <td class="nowrap">{formatTime(entry.time)}</td>
                  <td>
                    <a href={href(ns)}>{ns}</a>
                  </td>
                  <td>
                    <span title={entry.operator?.email ?? undefined}>{entry.operator?.name}</span>
                    {entry.operatorIp && <div class="muted small">{entry.operatorIp}</div>}
                  </td>
                  <AuditEntryCells ns={ns} entry={entry} />
                </tr>
              );
            })}
          </tbody>
        </table>
        <LoadMore pages={pages} noun="entries" />
      </div>
    </section>
  );
}
