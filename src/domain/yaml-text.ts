import { CST, Composer, LineCounter, Parser } from 'yaml';
import type { Document, DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';
import { MAX_NESTING_DEPTH } from './document-limits.js';
import { InvalidDocumentError } from './errors.js';
import { decodePointer } from './json-pointer.js';
import type { JsonValue } from './json-value.js';
import { findJsonValueProblem } from './json-value-check.js';
import { positionAt } from './text-position.js';
import { prescanYaml } from './yaml-prescan.js';
import { readPlainYaml } from './yaml-plain-reader.js';
import { buildYamlValue } from './yaml-value-builder.js';

/**
 * The YAML 1.2 core schema (no timestamps, no binary, no sets), every key read as a string,
 * unknown tags refused. Merge keys (`<<`) stay on because shared configuration blocks are their
 * everyday use. Duplicate keys are refused too, by `yaml-value-builder.ts`: the library's own
 * check compares each key with every earlier one (60,000 keys took 20 s).
 */
export const YAML_PARSE_OPTIONS = {
  schema: 'core',
  strict: true,
  uniqueKeys: false,
  stringKeys: true,
  merge: true,
  resolveKnownTags: false,
  prettyErrors: false,
} as const satisfies DocumentOptions & SchemaOptions & ParseOptions;

type ParsedYaml = Document.Parsed;

/**
 * `maxValues` is the most values aliases and merge keys may expand the document to; it is also held to 10× the
 * values written in it (see `yaml-expansion-limit.ts`).
 */
export function parseYamlText(path: string, text: string, maxValues: number): JsonValue {
  // Plain documents, almost all, take the fast reader; it holds no aliases, so no expansion limit applies to it.
  return readPlainYaml(text) ?? parseYamlFully(path, text, maxValues);
}

/** The whole of what Cairn reads as YAML (anchors, aliases, merge keys, tags), and every refusal with its position. */
export function parseYamlFully(path: string, text: string, maxValues: number): JsonValue {
  // Nesting and alias bombs are refused before the parser builds its syntax tree, which costs hundreds of bytes per token.
  const early = prescanYaml(text, { maxDepth: MAX_NESTING_DEPTH, maxValues }).problem;
  if (early !== null) {
    const { line, column } = positionAt(text, early.offset);
    throw new InvalidDocumentError(path, early.message, line, column);
  }
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
  // The pre-scan has refused deep nesting already; the parser's own tokens are checked again because the composer
  // recurses per level, and a stack overflow inside it can leave V8's regexp engine broken for the whole process.
  const tooDeep = findTooDeepCollection(tokens);
  if (tooDeep !== null) throw invalidAt(path, `nesting is deeper than ${MAX_NESTING_DEPTH} levels`, lines, tooDeep);
  const [document, extra] = Array.from(new Composer(YAML_PARSE_OPTIONS).compose(tokens));
  if (document === undefined) {
    // Directives promise a document ("%YAML 1.2" then "---"): alone, they are a truncated file, not an empty one.
    if (tokens.some((t) => t.type === 'directive')) throw invalidAt(path, 'Missing directives-end indicator line', lines, text.length);
    return null;
  }
  if (extra !== undefined) {
    throw invalidAt(path, 'only one YAML document per file is supported', lines, extra.range[0]);
  }
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem !== undefined) throw invalidAt(path, problem.message, lines, problem.pos[0]);
  const built = buildYamlValue(document, maxValues);
  if ('problem' in built) throw invalidAt(path, built.problem.message, lines, built.problem.offset);
  return checkedValue(path, document, lines, built.value);
}

function findTooDeepCollection(tokens: readonly CST.Token[]): number | null {
  const pending = tokens.map((token) => ({ token, depth: 0 }));
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const { token, depth } = entry;
    if (token.type === 'document' && token.value !== undefined) pending.push({ token: token.value, depth });
    if (!CST.isCollection(token)) continue;
    if (depth >= MAX_NESTING_DEPTH) return token.offset;
    for (const item of token.items) {
      if (item.key) pending.push({ token: item.key, depth: depth + 1 });
      if (item.value) pending.push({ token: item.value, depth: depth + 1 });
    }
  }
  return null;
}

function checkedValue(path: string, document: ParsedYaml, lines: LineCounter, value: unknown): JsonValue {
  // The builder has counted every value of the result and held it to the expansion limit already.
  const problem = findJsonValueProblem(value, { maxDepth: MAX_NESTING_DEPTH, maxValues: Number.POSITIVE_INFINITY });
  // The walk above has just checked every value, so the cast only records that fact.
  if (problem === null) return value as JsonValue;
  const message = `${problem.message} (at "${problem.pointer}")`;
  const offset = nodeOffset(document, problem.pointer);
  if (offset === null) throw new InvalidDocumentError(path, message);
  throw invalidAt(path, message, lines, offset);
}

/** Finds the source position behind a pointer, when it does not run through an alias. */
function nodeOffset(document: ParsedYaml, pointer: string): number | null {
  const node: unknown = document.getIn(decodePointer(pointer), true);
  if (typeof node !== 'object' || node === null || !('range' in node)) return null;
  const range: unknown = node.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : null;
}

function invalidAt(path: string, detail: string, lines: LineCounter, offset: number): InvalidDocumentError {
  const { line, col } = lines.linePos(offset);
  return new InvalidDocumentError(path, detail, line, col);
}
