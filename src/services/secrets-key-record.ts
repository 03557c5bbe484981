import type { RepositoryStore } from '../git/repository-store.js';
import type { Actor } from './actor.js';
import type { SecretCipher } from './secret-cipher.js';
import { SystemRecords } from './system-records.js';
import type { WritePipeline } from './write-pipeline.js';

interface KeyRecord {
  readonly id: 'current';
  /** The recipient (`age1...`) secret values were last encrypted to: a public key, nothing secret. */
  readonly recipient: string;
}

const RECIPIENT = /^age1[0-9a-z]+$/;

/**
 * Which key Cairn's secret values are encrypted to, kept in the system repository (`secrets/current.json`), so that
 * a server started with a key file of another key refuses to start instead of answering every secret read with an
 * error (or, with no secret written yet under the new key, seeming to work). A key rotation (the new identity first
 * in the key file, the old one after it) moves the record to the new key.
 */
export class SecretsKeyRecord {
  private readonly records: SystemRecords<KeyRecord>;

  constructor(
    store: RepositoryStore,
    pipeline: WritePipeline,
    private readonly cipher: SecretCipher,
    private readonly cairnItself: Actor,
  ) {
    this.records = new SystemRecords<KeyRecord>(store, pipeline, {
      directory: 'secrets/',
      operation: 'secrets-key',
      encode: (record) => Promise.resolve(`${JSON.stringify(record, null, 2)}\n`),
      decode: (text) => Promise.resolve(decodeKeyRecord(text)),
    });
  }

  /** Refuses a key file without the recorded key's identity; records the encrypting key when it changed. */
  async confirm(): Promise<void> {
    const recorded = (await this.records.all()).get('current') ?? null;
    if (recorded && !this.cipher.opens.includes(recorded.recipient)) {
      throw new Error(
        `CAIRN_SECRETS_KEY_FILE holds no identity of ${recorded.recipient}, the key secret values are encrypted to; ` +
          'start with that key file (a new key goes first in it, the old one after it, until reencryptSecrets has run)',
      );
    }
    if (recorded?.recipient === this.cipher.recipient) return;
    const next: KeyRecord = { id: 'current', recipient: this.cipher.recipient };
    await this.records.update('current', () => next, {
      action: recorded ? 'update' : 'create',
      actor: this.cairnItself,
      comment: `secret values are encrypted to ${next.recipient}`,
    });
  }
}

function decodeKeyRecord(text: string): KeyRecord | null {
  try {
    const value = JSON.parse(text) as { id?: unknown; recipient?: unknown };
    return value.id === 'current' && typeof value.recipient === 'string' && RECIPIENT.test(value.recipient)
      ? { id: 'current', recipient: value.recipient }
      : null;
  } catch {
    return null;
  }
}
