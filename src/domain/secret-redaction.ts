import type { JsonPatchOperation } from './json-patch.js';
import { isJsonObject, type JsonValue } from './json-value.js';
import { REDACTED, isSealed } from './secret-marker.js';
import type { ValueChange } from './value-diff.js';

/**
 * `value` with every encrypted value replaced by "[secret]": what diffs, blame, the feed and webhooks show, to every
 * reader (a changed secret shows as "[secret]" → "[secret]": changed, with nothing derived from its ciphertext). The
 * same object when it holds none.
 */
export function redactSealed<T extends JsonValue | undefined>(value: T): T {
  if (isSealed(value)) return REDACTED as T;
  if (!holdsSealed(value)) return value;
  if (Array.isArray(value)) return value.map((item) => redactSealed(item)) as T;
  if (isJsonObject(value)) {
    const copy: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = redactSealed(item);
    return copy as T;
  }
  return value;
}

export function redactChanges(changes: readonly ValueChange[]): ValueChange[] {
  return changes.map((change) => {
    if (!holdsSealed(change.oldValue) && !holdsSealed(change.newValue)) return change;
    const shown: ValueChange = { pointer: change.pointer, op: change.op };
    if (change.oldValue !== undefined) shown.oldValue = redactSealed(change.oldValue);
    if (change.newValue !== undefined) shown.newValue = redactSealed(change.newValue);
    return shown;
  });
}

export function redactPatch(patch: readonly JsonPatchOperation[]): JsonPatchOperation[] {
  return patch.map((operation) => {
    const value = (operation as { value?: JsonValue }).value;
    return holdsSealed(value) ? ({ ...operation, value: redactSealed(value) } as JsonPatchOperation) : operation;
  });
}

function holdsSealed(value: JsonValue | undefined): boolean {
  if (isSealed(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSealed);
  if (isJsonObject(value)) {
    for (const key in value) if (Object.hasOwn(value, key) && holdsSealed(value[key])) return true;
  }
  return false;
}
