import type { Api } from '../api.js';

/** The audit log across every namespace one may read (being built). */
export function AllAuditView(props: { api: Api; params: URLSearchParams }) {
  void props;
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Audit log: all namespaces</h1>
        </div>
      </header>
    </section>
  );
}
