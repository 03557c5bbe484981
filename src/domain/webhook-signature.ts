import { createHmac } from 'node:crypto';
import { InvalidInputError } from './errors.js';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `v1,` + base64 HMAC-SHA256 of
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the bytes of the secret (`whsec_` + base64).
 * Pure computation: node:crypto's HMAC does no I/O.
 */
export const SECRET_PREFIX = 'whsec_';

/** The key bytes of a `whsec_…` secret. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new InvalidInputError(`a webhook secret starts with ${SECRET_PREFIX}`);
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length < 24) throw new InvalidInputError('a webhook secret holds at least 24 bytes');
  return key;
}

export function formatSecret(keyBytes: Uint8Array): string {
  return `${SECRET_PREFIX}${Buffer.from(keyBytes).toString('base64')}`;
}

/** One `v1,<base64>` signature. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header: one signature per secret, space-separated (the new and the rotated one). */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((s) => signWebhook(s, id, timestamp, body)).join(' ');
}
