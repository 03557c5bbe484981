import type { Api } from '../api.js';

/** What the namespace policy enforces (being built). */
export function PolicyView(props: { api: Api; ns: string; revision: number }) {
  void props;
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Policy</h1>
        </div>
      </header>
    </section>
  );
}
