import picomatch from 'picomatch';
import { InvalidDocumentError } from './errors.js';
import type { JsonValue } from './json-value.js';
import { overlayLocationOf } from './overlay-path.js';

/** Where a namespace keeps its JSON Schemas: in its own repository, so a schema change is a reviewed, audited commit. */
export const SCHEMAS_DIR = '.cairn/schemas/';

/** The mapping from document path globs to the schemas that cover them. */
export const SCHEMA_INDEX_PATH = `${SCHEMAS_DIR}index.json`;

/** One glob of the index and the schema files (full paths in the repository) every matching document must satisfy. */
export interface SchemaRule {
  readonly glob: string;
  readonly schemas: readonly string[];
  readonly matches: (path: string) => boolean;
}

export interface SchemaMapping {
  readonly rules: readonly SchemaRule[];
}

export const EMPTY_SCHEMA_MAPPING: SchemaMapping = { rules: [] };

/** Files under the schemas folder are schemas (or the index), never documents validated against them. */
export function isSchemaFile(path: string): boolean {
  return path.startsWith(SCHEMAS_DIR);
}

/**
 * Whether schemas apply to `path`: configuration documents do; Cairn's own files (`.cairn/**`: policy, schemas)
 * and overlays (RFC 6902 patches, not documents) do not. An overlay's effect is its base's business.
 */
export function isValidatedDocument(path: string): boolean {
  if (path.startsWith('.cairn/')) return false;
  try {
    return overlayLocationOf(path) === null;
  } catch {
    return false;
  }
}

/**
 * Reads `.cairn/schemas/index.json`: an object from document path glob to a schema file name (or a list of them),
 * relative to `.cairn/schemas/`, e.g. `{"services/**\/*.yaml": "service.schema.json", "prod/**": ["base.json", "prod.json"]}`.
 * `exists` says whether a schema file is in the same tree: a mapping to a missing schema is refused.
 */
export function parseSchemaMapping(value: JsonValue, exists: (schemaPath: string) => boolean): SchemaMapping {
  const fail = (detail: string): never => {
    throw new InvalidDocumentError(SCHEMA_INDEX_PATH, detail);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the schema index must be a JSON object from path glob to schema file');
  const rules = Object.entries(value).map(([glob, target]): SchemaRule => {
    if (glob.length === 0) fail('a glob must not be empty');
    const names =
      typeof target === 'string'
        ? [target]
        : Array.isArray(target) && target.length > 0 && target.every((t) => typeof t === 'string')
          ? (target as string[])
          : fail(`'${glob}' must map to a schema file name or a non-empty list of them`);
    const schemas = names.map((name) => {
      if (name.length === 0 || name.startsWith('/') || name.split('/').some((s) => s === '..' || s === '.' || s === ''))
        fail(`'${glob}': '${name}' is not a file name inside ${SCHEMAS_DIR}`);
      const full = `${SCHEMAS_DIR}${name}`;
      if (full === SCHEMA_INDEX_PATH) fail(`'${glob}': the index is not a schema`);
      if (!exists(full)) fail(`'${glob}': schema '${name}' does not exist in ${SCHEMAS_DIR}`);
      return full;
    });
    return { glob, schemas, matches: picomatch(glob, { dot: true }) };
  });
  return { rules };
}

/** The schema files covering `path`, each once, in index order; none for the schema files themselves. */
export function schemasFor(mapping: SchemaMapping, path: string): string[] {
  if (!isValidatedDocument(path)) return [];
  const found = new Set<string>();
  for (const rule of mapping.rules) if (rule.matches(path)) for (const schema of rule.schemas) found.add(schema);
  return [...found];
}
