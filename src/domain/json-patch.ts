import { applyPatch, createPatch, type Operation, type Pointer } from 'rfc6902';
import { InvalidInputError } from './errors.js';
import { cloneJson } from './json-clone.js';
import { decodePointer, getAtPointer } from './json-pointer.js';
import { deepEqual, type JsonValue } from './json-value.js';
import { diffValues, type ValueChange } from './value-diff.js';

export type JsonPatchOperation = Operation;

/**
 * rfc6902's minimal array edit script costs about n·m·(n+m) and recurses n+m deep (3,000 items
 * overflow the stack; 500 against 500 take seconds). Past this budget the whole patch falls back
 * to diffValues' index-by-index changes, which are linear.
 */
const PATCH_WORK_BUDGET = 2_000_000;
const MAX_EDIT_SCRIPT_LENGTH = 1_000;

/** rfc6902 skips these tokens when resolving a pointer, so an operation naming them would land elsewhere. */
const UNSAFE_TOKENS = new Set(['__proto__', 'constructor', 'prototype']);

class PatchBudgetExceeded extends Error {}

/** A patch operation that cannot be applied: which one (from 0) and why. */
export class PatchOperationError extends InvalidInputError {
  constructor(
    readonly index: number,
    readonly reason: string,
    operation: string,
  ) {
    super(`JSON Patch operation ${index} (${operation}) failed: ${reason}`);
  }
}

/** An RFC 6902 patch from oldValue to newValue (undefined = the document does not exist). */
export function createJsonPatch(oldValue: JsonValue | undefined, newValue: JsonValue | undefined): JsonPatchOperation[] {
  if (oldValue === undefined) return newValue === undefined ? [] : [{ op: 'add', path: '', value: newValue }];
  if (newValue === undefined) return [{ op: 'remove', path: '' }];
  try {
    return createPatch(oldValue, newValue, budgetedDiff());
  } catch (error) {
    if (error instanceof PatchBudgetExceeded) return diffValues(oldValue, newValue).map(toOperation);
    throw error;
  }
}

/** Applies a patch to a copy of value; throws InvalidInputError naming the first operation that fails. */
export function applyJsonPatch(value: JsonValue, patch: readonly JsonPatchOperation[]): JsonValue {
  let document = cloneJson(value);
  patch.forEach((operation, index) => {
    document = applyOperation(document, structuredClone(operation), index);
  });
  return document;
}

/** Counts the work rfc6902 does and aborts it once the budget is spent; never changes its result. */
function budgetedDiff(): (input: unknown, output: unknown, ptr: Pointer) => undefined {
  let spent = 0;
  return (input, output) => {
    spent += 1;
    if (Array.isArray(input) && Array.isArray(output)) spent += arrayWork(input.length, output.length);
    if (spent > PATCH_WORK_BUDGET) throw new PatchBudgetExceeded();
    return undefined;
  };
}

function arrayWork(inputLength: number, outputLength: number): number {
  if (inputLength + outputLength > MAX_EDIT_SCRIPT_LENGTH) return Number.POSITIVE_INFINITY;
  return inputLength * outputLength * (inputLength + outputLength + 1);
}

function toOperation(change: ValueChange): JsonPatchOperation {
  if (change.op === 'remove') return { op: 'remove', path: change.pointer };
  return { op: change.op, path: change.pointer, value: change.newValue };
}

function applyOperation(document: JsonValue, operation: JsonPatchOperation, index: number): JsonValue {
  assertSafePointer(operation.path, operation, index);
  if ('from' in operation) assertSafePointer(operation.from, operation, index);
  if (operation.path === '') return applyAtRoot(document, operation, index);
  let results: ReturnType<typeof applyPatch>;
  try {
    results = applyPatch(document, [operation]);
  } catch (error) {
    throw failure(operation, index, error instanceof Error ? error.message : String(error));
  }
  const [result] = results;
  if (result) throw failure(operation, index, result.message);
  return document;
}

/** rfc6902 mutates in place, which cannot replace the root itself. */
function applyAtRoot(document: JsonValue, operation: JsonPatchOperation, index: number): JsonValue {
  switch (operation.op) {
    case 'add':
    case 'replace':
      return valueOf(operation, index);
    case 'test':
      if (!deepEqual(document, valueOf(operation, index))) throw failure(operation, index, 'test failed');
      return document;
    case 'copy':
    case 'move': {
      const source = getAtPointer(document, operation.from);
      if (source === undefined) throw failure(operation, index, `nothing at ${operation.from}`);
      return cloneJson(source);
    }
    case 'remove':
      throw failure(operation, index, 'the whole document cannot be removed by a patch; delete the document instead');
  }
}

function valueOf(operation: JsonPatchOperation & { value: unknown }, index: number): JsonValue {
  if (!Object.hasOwn(operation, 'value')) throw failure(operation, index, 'the operation has no value');
  // Patches arrive as parsed JSON, so whatever value they carry is JSON data.
  return operation.value as JsonValue;
}

function assertSafePointer(pointer: unknown, operation: JsonPatchOperation, index: number): void {
  if (typeof pointer !== 'string') throw failure(operation, index, 'the pointer must be a string');
  let tokens: string[];
  try {
    tokens = decodePointer(pointer);
  } catch (error) {
    throw failure(operation, index, error instanceof Error ? error.message : String(error));
  }
  const unsafe = tokens.find((token) => UNSAFE_TOKENS.has(token));
  if (unsafe !== undefined) throw failure(operation, index, `the key '${unsafe}' cannot be patched`);
}

function failure(operation: JsonPatchOperation, index: number, reason: string): PatchOperationError {
  return new PatchOperationError(index, reason, `${String(operation.op)} ${String(operation.path)}`);
}
