import type { Api } from '../api.js';

/** The namespace webhooks (being built). */
export function WebhooksView(props: { api: Api; ns: string; params: URLSearchParams }) {
  void props;
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Webhooks</h1>
        </div>
      </header>
    </section>
  );
}
