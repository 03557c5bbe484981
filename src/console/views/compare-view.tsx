import type { Api } from '../api.js';

/** Two namespaces or environments side by side (being built). */
export function CompareView(props: { api: Api; ns: string; params: URLSearchParams }) {
  void props;
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Compare</h1>
        </div>
      </header>
    </section>
  );
}
