import { MAX_NESTING_DEPTH } from './document-limits.js';
import { InvalidDocumentError } from './errors.js';
import { findJsonSyntaxProblem } from './json-syntax.js';
import type { JsonValue } from './json-value.js';
import { positionAt } from './text-position.js';

const BLANK = /^[ \t\n\r]*$/;
const POSITION_IN_MESSAGE = /at position (\d+)/;
const LINE_COLUMN_IN_MESSAGE = /\(line (\d+) column (\d+)\)/;

export function parseJsonText(path: string, text: string): JsonValue {
  // Editors on Windows like to add a byte order mark; it is not part of the JSON text.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (BLANK.test(body)) throw new InvalidDocumentError(path, 'the JSON document is empty');
  const problem = findJsonSyntaxProblem(body, MAX_NESTING_DEPTH);
  if (problem !== null) {
    const { line, column } = positionAt(body, problem.offset);
    throw new InvalidDocumentError(path, problem.message, line, column);
  }
  try {
    return JSON.parse(body) as JsonValue;
  } catch (error) {
    if (error instanceof SyntaxError) throw fromSyntaxError(path, body, error);
    throw error;
  }
}

/** Only reached if the scanner and V8 ever disagree; keeps whatever position V8 reports. */
function fromSyntaxError(path: string, body: string, error: SyntaxError): InvalidDocumentError {
  const lineColumn = LINE_COLUMN_IN_MESSAGE.exec(error.message);
  if (lineColumn) return new InvalidDocumentError(path, error.message, Number(lineColumn[1]), Number(lineColumn[2]));
  const offset = POSITION_IN_MESSAGE.exec(error.message);
  if (!offset) return new InvalidDocumentError(path, error.message);
  const { line, column } = positionAt(body, Number(offset[1]));
  return new InvalidDocumentError(path, error.message, line, column);
}
