import type { JsonValue } from './json-value.js';

/**
 * Counts the values in a document (every scalar, object and array, a shared YAML alias once per place it appears)
 * in steps, so that counting a large one lets other work in between, and a budget can refuse an expansion bomb
 * without walking all of it. Iterative, as documents nest as deep as the parser allows.
 */
export class ValueCount {
  private readonly stack: JsonValue[];

  constructor(value: JsonValue) {
    this.stack = [value];
  }

  get done(): boolean {
    return this.stack.length === 0;
  }

  /** Counts about `units` more containers (each with its scalars, met in one pass) and returns how many values. */
  step(units: number): number {
    let count = 0;
    for (let n = 0, next = this.stack.pop(); next !== undefined; next = n < units ? this.stack.pop() : undefined) {
      n += 1;
      count += 1;
      if (typeof next !== 'object' || next === null) continue;
      for (const member of Array.isArray(next) ? next : Object.values(next)) {
        if (typeof member === 'object' && member !== null) this.stack.push(member);
        else count += 1;
      }
    }
    return count;
  }
}

/** The values in a document, in one go. */
export function countValues(value: JsonValue): number {
  return new ValueCount(value).step(Number.POSITIVE_INFINITY);
}
