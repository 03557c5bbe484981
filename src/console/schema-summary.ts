import { globMatcher } from './glob.js';

/** One property of a JSON Schema as the schemas page lists it. */
export interface PropertySummary {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
}

/** What `.cairn/schemas/index.json` maps to one schema file: the globs naming it. */
export function globsFor(index: unknown, file: string, dir: string): string[] {
  if (typeof index !== 'object' || index === null || Array.isArray(index)) return [];
  return Object.entries(index).flatMap(([glob, target]) =>
    (Array.isArray(target) ? target : [target]).some((name) => `${dir}${String(name)}` === file) ? [glob] : [],
  );
}

/** The documents a schema covers now: validated documents (not Cairn's files, not overlays) matching one of its globs. */
export function coveredDocuments(globs: readonly string[], paths: readonly string[]): string[] {
  const matchers = globs.map(globMatcher);
  return paths.filter((p) => !p.startsWith('.cairn/') && !p.includes('.overlays/') && matchers.some((m) => m(p)));
}

/** The top-level properties of an object schema, in the order written, with `required` applied. */
export function propertiesOf(schema: unknown): PropertySummary[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const { properties, required } = schema as { properties?: unknown; required?: unknown };
  if (typeof properties !== 'object' || properties === null) return [];
  const needed = new Set(Array.isArray(required) ? required : []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    type: typeOf(property),
    required: needed.has(name),
    description: typeof property === 'object' && property !== null && 'description' in property ? String(property.description) : '',
  }));
}

/** A property's type as one reads it: `integer`, `string | null`, `one of "a", "b"`, `array of string`, a `$ref`. */
function typeOf(property: unknown): string {
  if (typeof property !== 'object' || property === null) return property === true ? 'anything' : '';
  const p = property as { type?: unknown; enum?: unknown; const?: unknown; $ref?: unknown; items?: unknown };
  if (Array.isArray(p.enum)) return `one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (p.const !== undefined) return `exactly ${JSON.stringify(p.const)}`;
  if (typeof p.$ref === 'string') return p.$ref;
  const type = Array.isArray(p.type) ? p.type.join(' | ') : typeof p.type === 'string' ? p.type : '';
  if (type === 'array' && p.items) return `array of ${typeOf(p.items) || 'anything'}`;
  return type || 'anything';
}
