import { createHash, createHmac } from 'node:crypto';

/**
 * What an idempotency key is bound to, after the IETF httpapi Idempotency-Key draft: the namespace, the operator, the
 * operation and its whole payload. A retry sends the same request and gets the first answer; the same key with any
 * other request is refused (IdempotencyKeyReused), never answered as if it had been done.
 */
export interface RequestIdentity {
  readonly namespace: string;
  /** The operator's email: the identity recorded in the commit. */
  readonly operator: string;
  /** The use case: `update` (put, apply, delete), `rollback`, `revert`, `import`. */
  readonly operation: string;
  /**
   * Every input that shapes the commit, in a fixed order chosen by the use case (arrays and plain values only, so
   * the same request always serializes to the same text).
   */
  readonly payload: readonly unknown[];
}

/**
 * `sha256:<hex>` of the request's canonical serialization; recorded as the Cairn-Request-Fingerprint trailer. With
 * `key` (the server's secrets key, docs/secrets.md) it is `hmac-sha256:<hex>`: the payload may carry secret values,
 * and a plain hash of it in the history would let anyone holding the repository test guesses of a secret.
 */
export function requestFingerprint(request: RequestIdentity, key: Uint8Array | null = null): string {
  const canonical = JSON.stringify([request.namespace, request.operator.toLowerCase(), request.operation, request.payload]);
  if (key) return `hmac-sha256:${createHmac('sha256', key).update(canonical).digest('hex')}`;
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}
