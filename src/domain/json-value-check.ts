import { encodePointer } from './json-pointer.js';

export interface JsonValueLimits {
  readonly maxDepth: number;
  /** Total values visited, counting every reuse of a shared (aliased) subtree again. */
  readonly maxValues: number;
}

export interface JsonValueProblem {
  readonly pointer: string;
  readonly message: string;
}

interface Visit {
  readonly value: unknown;
  /** Containers above this value. */
  readonly depth: number;
  readonly parent: Visit | null;
  readonly key: string | number;
}

/**
 * Walks a parsed value without recursion and reports the first thing plain JSON cannot
 * hold (non-finite numbers, dates, sets, binary, ...), or a limit being exceeded.
 */
export function findJsonValueProblem(value: unknown, limits: JsonValueLimits): JsonValueProblem | null {
  const pending: Visit[] = [{ value, depth: 0, parent: null, key: '' }];
  let visited = 0;
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    visited += 1;
    if (visited > limits.maxValues) {
      return { pointer: '', message: `the document expands to more than ${limits.maxValues} values` };
    }
    const message = valueProblem(visit, limits.maxDepth);
    if (message !== null) return { pointer: pointerOf(visit), message };
    pushChildren(pending, visit);
  }
  return null;
}

function valueProblem(visit: Visit, maxDepth: number): string | null {
  const { value } = visit;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${value} is not a JSON number`;
  if (Array.isArray(value) || isPlainObject(value)) {
    if (visit.depth >= maxDepth) return `nesting is deeper than ${maxDepth} levels`;
    // Assigning "__proto__" replaces an object's prototype in most JavaScript code that copies values.
    return Object.hasOwn(value, '__proto__') ? 'the key "__proto__" is not allowed' : null;
  }
  return `${describe(value)} cannot be represented in JSON`;
}

/** Pushed last-first so that problems are found in document order. */
function pushChildren(pending: Visit[], visit: Visit): void {
  const { value } = visit;
  const depth = visit.depth + 1;
  if (Array.isArray(value)) {
    for (let index = value.length - 1; index >= 0; index -= 1) {
      pending.push({ value: value[index] as unknown, depth, parent: visit, key: index });
    }
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    for (let index = keys.length - 1; index >= 0; index -= 1) {
      const key = keys[index] as string;
      pending.push({ value: value[key], depth, parent: visit, key });
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'an undefined value';
  if (value instanceof Date) return 'a timestamp';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Map) return 'a map with non-string keys';
  if (value instanceof Set) return 'a set';
  return `a value of type ${typeof value}`;
}

function pointerOf(visit: Visit): string {
  const tokens: (string | number)[] = [];
  for (let at: Visit | null = visit; at?.parent; at = at.parent) tokens.unshift(at.key);
  return encodePointer(tokens);
}
