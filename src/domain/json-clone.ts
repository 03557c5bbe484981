import type { JsonValue } from './json-value.js';

/**
 * A deep copy that shares nothing. structuredClone would keep two references to one object
 * (as YAML aliases produce) pointing at one copy, so an edit to one place would show in both.
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
