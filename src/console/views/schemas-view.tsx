import type { Api } from '../api.js';

/** The namespace JSON Schemas and what they cover (being built). */
export function SchemasView(props: { api: Api; ns: string; revision: number }) {
  void props;
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Schemas</h1>
        </div>
      </header>
    </section>
  );
}
