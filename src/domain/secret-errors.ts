import { CairnError } from './errors.js';

/**
 * Why a secret value could not be written or read. Never carries the value, its ciphertext or anything derived
 * from them: only where it sits.
 * - SECRETS_KEY_MISSING: the namespace's policy marks the value secret and the server has no key
 *   (CAIRN_SECRETS_KEY_FILE): it is refused rather than stored in plaintext.
 * - SECRET_UNREADABLE: a stored or submitted encrypted value does not decrypt with the server's key.
 * - SECRET_REDACTED_UNKNOWN: the redaction marker was written where there is no stored secret to keep.
 */
export type SecretErrorCode = 'SECRETS_KEY_MISSING' | 'SECRET_UNREADABLE' | 'SECRET_REDACTED_UNKNOWN';

export class SecretError extends CairnError {
  constructor(
    readonly code: SecretErrorCode,
    readonly path: string,
    readonly pointer: string,
  ) {
    super(messageOf(code, path, pointer));
  }
}

function messageOf(code: SecretErrorCode, path: string, pointer: string): string {
  const where = `'${path}'${pointer === '' ? '' : ` at '${pointer}'`}`;
  switch (code) {
    case 'SECRETS_KEY_MISSING':
      return `${where} is secret in this namespace's policy and the server has no secrets key (CAIRN_SECRETS_KEY_FILE): nothing was stored`;
    case 'SECRET_UNREADABLE':
      return `the encrypted value of ${where} does not decrypt with the server's secrets key`;
    case 'SECRET_REDACTED_UNKNOWN':
      return `${where} holds the redaction marker, but there is no stored secret there to keep: write the value itself`;
  }
}
