import type { JsonValue } from './json-value.js';

/**
 * The values in a document (every scalar, object and array, a shared YAML alias once per place it appears),
 * counting no further than about `atMost`: enough to refuse an expansion bomb without walking all of it.
 * Iterative, as documents nest as deep as the parser allows; scalars are counted where they are met, so a long
 * array of numbers costs one pass over it.
 */
export function countValues(value: JsonValue, atMost: number): number {
  const stack: JsonValue[] = [value];
  let count = 0;
  for (let next = stack.pop(); next !== undefined && count <= atMost; next = stack.pop()) {
    count += 1;
    if (typeof next !== 'object' || next === null) continue;
    for (const member of Array.isArray(next) ? next : Object.values(next)) {
      if (typeof member === 'object' && member !== null) stack.push(member);
      else count += 1;
    }
  }
  return count;
}
