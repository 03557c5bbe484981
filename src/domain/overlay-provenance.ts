import type { JsonPatchOperation } from './json-patch.js';
import { decodePointer, encodePointer } from './json-pointer.js';
import { deepEqual, isJsonObject, type JsonValue } from './json-value.js';
import type { ValueChange } from './value-diff.js';

/** Which layer set a field of an effective document: 'BASE' or the cluster whose overlay set it. */
export const BASE_LAYER = 'BASE';

export interface Leaf {
  readonly pointer: string;
  readonly value: JsonValue;
}

/** Operations that put a value at their `path` (test and remove set nothing that remains). */
const SETTING_OPS = new Set(['add', 'replace', 'copy', 'move']);

/** Every leaf of a document: scalars, and empty objects and arrays (which have no leaves of their own). */
export function leavesOf(value: JsonValue): Leaf[] {
  const leaves: Leaf[] = [];
  const visit = (node: JsonValue, tokens: (string | number)[]): void => {
    const children: [string | number, JsonValue][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : isJsonObject(node) ? Object.entries(node) : [];
    if (children.length === 0) leaves.push({ pointer: encodePointer(tokens), value: node });
    for (const [key, child] of children) visit(child, [...tokens, key]);
  };
  visit(value, []);
  return leaves;
}

/**
 * The overlay operation that set the value at `pointer` in the patched document: the last one that put a value
 * at the pointer or at one of its ancestors. null: the value comes from the base.
 */
export function settingOperationOf(pointer: string, patch: readonly JsonPatchOperation[]): number | null {
  for (let index = patch.length - 1; index >= 0; index -= 1) {
    const operation = patch[index];
    if (operation && SETTING_OPS.has(operation.op) && isWithin(pointer, operation.path)) return index;
  }
  return null;
}

/**
 * The pointers among `pending` whose value a set of changes touched: changed themselves, inside a changed value,
 * or holding one (a leaf that used to be an object or array).
 */
export function touchedBy(pending: Iterable<string>, changes: readonly ValueChange[]): string[] {
  const changed = new Set(changes.map((c) => c.pointer));
  const holding = new Set<string>();
  for (const pointer of changed) for (const ancestor of ancestorsOf(pointer)) holding.add(ancestor);
  return [...pending].filter((pointer) => holding.has(pointer) || ancestorsOf(pointer).some((a) => changed.has(a)) || changed.has(pointer));
}

/** True when `after` holds the operation and `before` (a patch, or nothing) does not: this version introduced it. */
export function introducesOperation(operation: JsonPatchOperation, before: JsonValue | undefined, after: JsonValue | undefined): boolean {
  const holds = (patch: JsonValue | undefined): boolean => Array.isArray(patch) && patch.some((o) => deepEqual(o, operation as unknown as JsonValue));
  return holds(after) && !holds(before);
}

/** `pointer` is `container` or inside it, token by token (`/ab` is not inside `/a`). */
function isWithin(pointer: string, container: string): boolean {
  return pointer === container || pointer.startsWith(`${container}/`);
}

/** Every proper ancestor of a pointer, root ('') included. */
function ancestorsOf(pointer: string): string[] {
  const tokens = decodePointer(pointer);
  return tokens.map((_, i) => encodePointer(tokens.slice(0, i)));
}
