import { cloneJson } from './json-clone.js';
import { decodePointer, encodePointer, getAtPointer } from './json-pointer.js';
import { isJsonObject, type JsonValue } from './json-value.js';
import type { ValueChange } from './value-diff.js';

export type EditResult = { readonly ok: true; readonly value: JsonValue | undefined } | { readonly ok: false };

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const FAILED: EditResult = { ok: false };

/**
 * Applies one change to `document`, mutating it in place (pass a copy you own). Fails instead
 * of improvising when the change no longer fits: an addition must find its slot empty (and, in
 * an array, at the end), a removal or replacement must find something to remove or replace.
 */
export function applyValueChange(document: JsonValue | undefined, change: ValueChange): EditResult {
  const tokens = decodePointer(change.pointer);
  const key = tokens.pop();
  if (key === undefined) return applyAtRoot(document, change);
  if (document === undefined) return FAILED;
  const parent = getAtPointer(document, encodePointer(tokens));
  const applied = Array.isArray(parent) ? editArray(parent, key, change) : editObject(parent, key, change);
  return applied ? { ok: true, value: document } : FAILED;
}

function applyAtRoot(document: JsonValue | undefined, change: ValueChange): EditResult {
  const exists = document !== undefined;
  if (change.op === 'remove') return exists ? { ok: true, value: undefined } : FAILED;
  if ((change.op === 'add') === exists || change.newValue === undefined) return FAILED;
  return { ok: true, value: cloneJson(change.newValue) };
}

function editArray(array: JsonValue[], key: string, change: ValueChange): boolean {
  if (!ARRAY_INDEX.test(key)) return false;
  const index = Number(key);
  if (change.op === 'add') {
    if (index !== array.length || change.newValue === undefined) return false;
    array.push(cloneJson(change.newValue));
    return true;
  }
  if (index >= array.length) return false;
  if (change.op === 'remove') array.splice(index, 1);
  else if (change.newValue === undefined) return false;
  else array[index] = cloneJson(change.newValue);
  return true;
}

function editObject(object: JsonValue | undefined, key: string, change: ValueChange): boolean {
  if (!isJsonObject(object) || Object.hasOwn(object, key) === (change.op === 'add')) return false;
  if (change.op === 'remove') {
    delete object[key];
    return true;
  }
  if (change.newValue === undefined) return false;
  // defineProperty, not assignment: assigning to a key named "__proto__" would swap the prototype.
  Object.defineProperty(object, key, { value: cloneJson(change.newValue), writable: true, enumerable: true, configurable: true });
  return true;
}
