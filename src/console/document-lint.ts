import { type OutputUnit, type Schema, type SchemaDraft, Validator } from '@cfworker/json-schema';
import type { Diagnostic } from '@codemirror/lint';
import { type Document, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { DocumentSchema } from './document-schemas.js';

export type Format = 'JSON' | 'YAML';

/**
 * What the editor underlines as you type: syntax errors, then (once the text parses) every JSON Schema violation,
 * placed on the value it concerns. The server checks the same on save (ajv there; @cfworker/json-schema here, as
 * ajv compiles validators with `new Function`, which the console's CSP forbids).
 */
export function documentDiagnostics(text: string, format: Format, schemas: readonly DocumentSchema[]): Diagnostic[] {
  const syntax = format === 'JSON' ? jsonSyntax(text) : null;
  if (syntax) return [syntax];
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) return doc.errors.map((e) => ({ ...within(text, e.pos[0], e.pos[1]), severity: 'error', message: e.message }));
  const value: unknown = doc.toJS();
  return schemas.flatMap(({ file, schema }) => violations(value, schema).map((unit) => placed(doc, text, unit, file)));
}

/** JSON.parse is stricter than YAML (which accepts most JSON mistakes): its message says where it stopped. */
function jsonSyntax(text: string): Diagnostic | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const from = at ? Number(at[1]) : text.length;
    return { ...within(text, from, from + 1), severity: 'error', message: `JSON: ${message}` };
  }
}

/** Keywords that only say a nested value failed: their nested errors say how, where it happened. */
const APPLICATORS = new Set(['properties', 'patternProperties', 'additionalProperties', 'items', 'prefixItems', 'allOf', '$ref', 'unevaluatedProperties']);

function violations(value: unknown, schema: unknown): OutputUnit[] {
  if (typeof schema !== 'object' && typeof schema !== 'boolean') return [];
  if (schema === null) return [];
  const errors = new Validator(schema as Schema | boolean, draftOf(schema), false).validate(value).errors;
  const specific = errors.filter((e) => !APPLICATORS.has(e.keyword));
  const kept = specific.length ? specific : errors;
  return kept.filter((e, i) => kept.findIndex((o) => o.instanceLocation === e.instanceLocation && o.error === e.error) === i);
}

function draftOf(schema: object | boolean): SchemaDraft {
  const dialect = typeof schema === 'object' && '$schema' in schema && typeof schema.$schema === 'string' ? schema.$schema : '';
  if (dialect.includes('2020-12')) return '2020-12';
  if (dialect.includes('2019-09')) return '2019-09';
  if (dialect.includes('draft-04')) return '4';
  return '7';
}

function placed(doc: Document, text: string, unit: OutputUnit, file: string): Diagnostic {
  const [from, to] = rangeOf(doc, text, pointerSegments(unit.instanceLocation)) ?? [0, 1];
  return { ...within(text, from, to), severity: 'error', source: file.replace('.cairn/schemas/', ''), message: unit.error };
}

/**
 * A range inside the text and at least a character wide where there is one: an error at the very end (an unclosed
 * bracket) then marks the last visible character, and CodeMirror refuses ranges past the end.
 */
function within(text: string, from: number, to: number): { from: number; to: number } {
  // Past the last character that shows (trailing newlines): the last one that does, where the eye looks.
  const start = Math.max(0, Math.min(from, text.trimEnd().length - 1));
  if (start < from) return { from: start, to: start + 1 };
  return { from: start, to: Math.min(Math.max(to, start + 1), text.length) };
}

/** `#/a/b~1c` (a URI fragment) as its segments. */
function pointerSegments(location: string): string[] {
  const pointer = location.replace(/^#/, '');
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      try {
        return decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~');
      } catch {
        return s;
      }
    });
}

/** The text range of the value at `segments`; a missing value marks its nearest parent's key or first line. */
function rangeOf(doc: Document, text: string, segments: readonly string[]): [number, number] | null {
  let node: unknown = doc.contents;
  let key: unknown = null;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
      if (!pair) break;
      key = pair.key;
      node = pair.value;
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(segment)];
      if (!item) break;
      key = null;
      node = item;
    } else break;
  }
  // A whole object or list would underline screens of text: its key (or its first line) says where.
  if ((isMap(node) || isSeq(node)) && isNode(key) && key.range) return [key.range[0], key.range[1]];
  if (isNode(node) && node.range) {
    const [from, to] = node.range;
    return isMap(node) || isSeq(node) ? [from, Math.min(to, lineEnd(text, from))] : [from, to];
  }
  return null;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end === -1 ? text.length : end;
}
