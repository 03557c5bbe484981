import { stringify } from 'yaml';
import { documentFormatOf, type DocumentFormat } from './document-path.js';
import { MAX_NESTING_DEPTH } from './document-limits.js';
import { InvalidDocumentError, InvalidInputError, InvalidPathError } from './errors.js';
import { parseJsonText } from './json-text.js';
import type { JsonValue } from './json-value.js';
import { findJsonValueProblem } from './json-value-check.js';
import { parseYamlText } from './yaml-text.js';

export const DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024;

/** Pointers into very deep values would drown the rest of the message. */
const MAX_POINTER_IN_MESSAGE = 200;

/**
 * Parses a document's text into plain JSON data, choosing the format by the path's extension.
 * Errors carry 1-based line and column whenever the parser knows them.
 */
export function parseDocument(path: string, text: string, maxBytes = DEFAULT_MAX_DOCUMENT_BYTES): JsonValue {
  const format = documentFormatOf(path);
  if (format === null) throw new InvalidPathError(path, 'only .json, .yaml and .yml documents are supported');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new InvalidDocumentError(path, `document is ${bytes} bytes, over the limit of ${maxBytes}`);
  refuseLoneSurrogates(path, text);
  // A value takes two bytes of text at the least (`0,` in a flow sequence, `-` and a line end in a block one), so
  // without aliases a document within the byte limit holds about maxBytes / 2 values: aliases may not pass that.
  return format === 'json' ? parseJsonText(path, text) : parseYamlText(path, text, Math.floor(maxBytes / 2));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 cannot encode half a surrogate pair: stored, it would silently become U+FFFD. */
function refuseLoneSurrogates(path: string, text: string): void {
  const match = LONE_SURROGATE.exec(text);
  if (!match) return;
  const before = text.slice(0, match.index);
  const line = before.split('\n').length;
  const column = match.index - before.lastIndexOf('\n');
  throw new InvalidDocumentError(path, 'text contains an unpaired UTF-16 surrogate, which UTF-8 cannot store', line, column);
}

/**
 * Parses a document that is already stored: it was validated on the way in, so JSON takes V8's native parser
 * (ten times faster than the checking one, which diffs of hundreds of documents felt). Text that JSON.parse
 * refuses (committed from outside Cairn) goes through parseDocument for the error with its line and column.
 */
export function parseStoredDocument(path: string, text: string): JsonValue {
  if (documentFormatOf(path) === 'json') {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      // fall through to the checking parser, which explains what is wrong and where
    }
  }
  return parseDocument(path, text, Infinity);
}

/**
 * Throws InvalidInputError for a value no document may hold (nested deeper than the parser
 * accepts, or not plain JSON data): content arriving as a value never went through parseDocument,
 * and both serializers recurse per level.
 */
export function serializeDocument(format: DocumentFormat, value: JsonValue): string {
  assertSerializable(value);
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  const text = stringify(value, {
    // Shared subtrees in a value are plain data, not something the reader should see as anchors.
    aliasDuplicateObjects: false,
    // Quote strings such as "yes", "no" or "on" so that YAML 1.1 readers do not take them for booleans.
    compat: 'yaml-1.1',
    // Folded long strings make one-word edits show up as multi-line diffs.
    lineWidth: 0,
  });
  return text.endsWith('\n') ? text : `${text}\n`;
}

export function assertSerializable(value: JsonValue): void {
  const problem = findJsonValueProblem(value, { maxDepth: MAX_NESTING_DEPTH, maxValues: Number.POSITIVE_INFINITY });
  if (problem === null) return;
  const where = problem.pointer.length <= MAX_POINTER_IN_MESSAGE ? ` (at "${problem.pointer}")` : '';
  throw new InvalidInputError(`the document content cannot be stored: ${problem.message}${where}`);
}
