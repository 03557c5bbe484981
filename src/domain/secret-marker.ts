import { encodePointer } from './json-pointer.js';
import { isJsonObject, type JsonValue } from './json-value.js';

/**
 * A secret value as committed: the value's JSON encrypted with age and ASCII-armored, so that `age -d -i key`
 * decrypts the string as it stands in the document. Nothing else a document holds starts this way.
 */
export const SEALED_PREFIX = '-----BEGIN AGE ENCRYPTED FILE-----';

/** What readers without the secrets permission see in place of a secret value. */
export const REDACTED = '[secret]';

export function isSealed(value: JsonValue | undefined): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/** Every encrypted value of `value` with its pointer (`at` is the walk's stack: nothing is allocated per value). */
export function sealedLeaves(value: JsonValue, at: string[] = [], found: [string, string][] = []): [string, string][] {
  if (isSealed(value)) found.push([encodePointer(at), value]);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      at.push(String(i));
      sealedLeaves(value[i] ?? null, at, found);
      at.pop();
    }
  } else if (isJsonObject(value)) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      at.push(key);
      sealedLeaves(value[key] ?? null, at, found);
      at.pop();
    }
  }
  return found;
}
