import type { Api } from './api.js';
import { globMatcher } from './glob.js';
import { PARSED_FILE } from './queries.js';

const SCHEMAS_DIR = '.cairn/schemas/';

/** One JSON Schema covering a document, with the file it came from (named in the editor's messages). */
export interface DocumentSchema {
  readonly file: string;
  readonly schema: unknown;
}

/**
 * The JSON Schemas the server will validate `path` against: `.cairn/schemas/index.json` maps path globs to schema
 * files under `.cairn/schemas/`. Cairn's own files and overlays are not validated (schema-mapping.ts). The schemas are
 * read at head, once per opened document.
 */
export async function schemasFor(api: Api, ns: string, path: string): Promise<DocumentSchema[]> {
  if (path.startsWith('.cairn/') || path.includes('.overlays/')) return [];
  const index = await parsedFile(api, ns, `${SCHEMAS_DIR}index.json`);
  if (typeof index !== 'object' || index === null || Array.isArray(index)) return [];
  const files = new Set<string>();
  for (const [glob, target] of Object.entries(index)) {
    if (!globMatcher(glob)(path)) continue;
    for (const name of Array.isArray(target) ? target : [target]) if (typeof name === 'string') files.add(`${SCHEMAS_DIR}${name}`);
  }
  return Promise.all([...files].map(async (file) => ({ file, schema: await parsedFile(api, ns, file) })));
}

async function parsedFile(api: Api, ns: string, path: string): Promise<unknown> {
  const data = await api.request(PARSED_FILE, { ns, path });
  const config = data.namespace?.__typename === 'Namespace' ? data.namespace.config : null;
  return config?.__typename === 'ConfigDocument' ? config.content : null;
}
