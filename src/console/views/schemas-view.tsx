import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import { DOCUMENTS, PARSED_FILE } from '../queries.js';
import { href } from '../route.js';
import { coveredDocuments, globsFor, propertiesOf } from '../schema-summary.js';
import { useLoad } from '../use-query.js';

const DIR = '.cairn/schemas/';
const INDEX = `${DIR}index.json`;

interface SchemaCard {
  readonly file: string;
  readonly schema: unknown;
  readonly globs: readonly string[];
  readonly documents: readonly string[];
}

async function parsed(api: Api, ns: string, path: string): Promise<unknown> {
  const data: ResultOf<typeof PARSED_FILE> = await api.request(PARSED_FILE, { ns, path });
  const config = data.namespace?.__typename === 'Namespace' ? data.namespace.config : null;
  return config?.__typename === 'ConfigDocument' ? config.content : null;
}

/**
 * The JSON Schemas of `.cairn/schemas`, at main's head: for each, the path globs `index.json` maps to it, the
 * documents it covers now, and its properties. Every write of a covered document is validated against it.
 */
export function SchemasView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const loaded = useLoad(async (): Promise<SchemaCard[]> => {
    const namespace = (await api.request(DOCUMENTS, { ns })).namespace;
    if (namespace?.__typename !== 'Namespace')
      throw new Error(namespace && 'message' in namespace ? (namespace.message ?? 'unavailable') : 'Namespace not found');
    const configs = namespace.configs;
    if (configs?.__typename !== 'ConfigsSuccess') throw new Error(configs && 'message' in configs ? (configs.message ?? 'unavailable') : 'No documents');
    const paths = (configs.data ?? []).flatMap((d) => (d.path ? [d.path] : []));
    const files = paths.filter((p) => p.startsWith(DIR) && p !== INDEX);
    const [index, ...schemas] = await Promise.all([parsed(api, ns, INDEX), ...files.map((file) => parsed(api, ns, file))]);
    return files.map((file, i) => {
      const globs = globsFor(index, file, DIR);
      return { file, schema: schemas[i], globs, documents: coveredDocuments(globs, paths) };
    });
  }, [api, ns, revision]);
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Schemas</h1>
          <p class="muted small">
            JSON Schemas in <code>{DIR}</code>; <a href={href(ns, { doc: INDEX })}>index.json</a> maps document paths to them, and every write of a covered
            document is checked against them.
          </p>
        </div>
      </header>
      {loaded.state === 'loading' && <p class="muted">Loading…</p>}
      {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
      {loaded.state === 'done' && !loaded.data.length && (
        <p class="panel" data-testid="no-schemas">
          No schemas: documents are checked for syntax only.
        </p>
      )}
      {loaded.state === 'done' && loaded.data.map((card) => <SchemaPanel key={card.file} ns={ns} card={card} />)}
    </section>
  );
}

function SchemaPanel({ ns, card }: { ns: string; card: SchemaCard }) {
  const properties = propertiesOf(card.schema);
  const described = typeof card.schema === 'object' && card.schema !== null && 'description' in card.schema ? String(card.schema.description) : null;
  return (
    <div class="panel schema-card" data-schema={card.file}>
      <header class="schema-card-header">
        <h2 class="panel-title">{card.file.slice(DIR.length)}</h2>
        <a class="button small ghost" href={href(ns, { doc: card.file })}>
          Raw file
        </a>
      </header>
      {described && <p>{described}</p>}
      <p data-testid="schema-globs">
        {card.globs.length ? (
          <>
            Covers{' '}
            {card.globs.map((g) => (
              <code key={g} class="path-chip">
                {g}
              </code>
            ))}
          </>
        ) : (
          <span class="muted">Not mapped in index.json: it covers no document.</span>
        )}
      </p>
      {card.globs.length > 0 && (
        <p data-testid="schema-documents">
          <span class="muted small">Documents now: </span>
          {card.documents.length ? (
            card.documents.map((p) => (
              <a key={p} class="path-chip" href={href(ns, { doc: p })}>
                {p}
              </a>
            ))
          ) : (
            <span class="muted small">none yet</span>
          )}
        </p>
      )}
      {properties.length > 0 ? (
        <table class="audit schema-properties">
          <thead>
            <tr>
              <th>Property</th>
              <th>Type</th>
              <th>Required</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {properties.map((p) => (
              <tr key={p.name} data-property={p.name}>
                <td>
                  <code>{p.name}</code>
                </td>
                <td>{p.type}</td>
                <td>{p.required ? 'required' : <span class="muted">optional</span>}</td>
                <td>{p.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted small">No top-level properties declared.</p>
      )}
    </div>
  );
}
