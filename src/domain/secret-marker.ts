import type { JsonValue } from './json-value.js';

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
