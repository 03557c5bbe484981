import { parseDocument } from './document-codec.js';
import { InvalidDocumentError } from './errors.js';
import { type JsonPatchOperation, PatchOperationError, applyJsonPatch } from './json-patch.js';
import { decodePointer } from './json-pointer.js';
import { isJsonObject, type JsonValue } from './json-value.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const WITH_VALUE = new Set(['add', 'replace', 'test']);
const WITH_FROM = new Set(['move', 'copy']);

/** Why an overlay does not apply: the operation (from 0; null when the overlay as a whole cannot) and the reason. */
export interface OverlayFailure {
  readonly opIndex: number | null;
  readonly reason: string;
}

export type OverlayResult = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly failure: OverlayFailure };

/** Reads an overlay file: a JSON array of RFC 6902 operations. Throws InvalidDocumentError naming the bad operation. */
export function parseOverlay(path: string, text: string): JsonPatchOperation[] {
  return validateOverlay(path, parseDocument(path, text));
}

export function validateOverlay(path: string, value: JsonValue): JsonPatchOperation[] {
  if (!Array.isArray(value)) throw new InvalidDocumentError(path, 'an overlay is a JSON array of RFC 6902 operations');
  value.forEach((operation, index) => {
    const problem = operationProblem(operation);
    if (problem !== null) throw new InvalidDocumentError(path, `operation ${index}: ${problem}`);
  });
  // Every element was just checked to have the shape of an RFC 6902 operation.
  return value as unknown as JsonPatchOperation[];
}

/** Applies an overlay to its base, reporting the first operation that fails instead of throwing. */
export function applyOverlay(base: JsonValue, patch: readonly JsonPatchOperation[]): OverlayResult {
  try {
    return { ok: true, value: applyJsonPatch(base, patch) };
  } catch (error) {
    if (error instanceof PatchOperationError) return { ok: false, failure: { opIndex: error.index, reason: error.reason } };
    throw error;
  }
}

function operationProblem(operation: JsonValue): string | null {
  if (!isJsonObject(operation)) return 'an operation is an object';
  const op = operation['op'];
  if (typeof op !== 'string' || !OPS.has(op)) return `'op' must be one of ${[...OPS].join(', ')}`;
  const pointerProblem = (field: string): string | null => {
    const pointer = operation[field];
    if (typeof pointer !== 'string') return `'${field}' must be a JSON pointer string`;
    try {
      decodePointer(pointer);
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  const pathProblem = pointerProblem('path');
  if (pathProblem !== null) return pathProblem;
  if (WITH_VALUE.has(op) && !Object.hasOwn(operation, 'value')) return `'${op}' needs a 'value'`;
  if (WITH_FROM.has(op)) return pointerProblem('from');
  return null;
}
