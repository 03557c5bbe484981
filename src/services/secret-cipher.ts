import { createHash } from 'node:crypto';
import { Decrypter, Encrypter, armor, identityToRecipient } from 'age-encryption';
import type { JsonValue } from '../domain/json-value.js';

/** Encrypts one value for the server's recipients and decrypts what its identity can. */
export interface SecretCipher {
  /** The value's JSON, age-encrypted and armored (a fresh, randomized ciphertext each time). */
  seal(value: JsonValue): Promise<string>;
  /** The value inside `sealed`; rejects when it is not an age file this identity opens or not JSON inside. */
  open(sealed: string): Promise<JsonValue>;
  /** A key derived from the identity for keyed digests of requests that may hold secrets (never the identity itself). */
  readonly digestKey: Uint8Array;
  /** The recipient (`age1...`) of the identity that encrypts. */
  readonly recipient: string;
  /** The recipients of every identity it decrypts with. */
  readonly opens: readonly string[];
}

/**
 * A cipher with the age `identities` (`AGE-SECRET-KEY-1...`): values are encrypted to the first one's recipient and
 * to `extraRecipients` (`age1...`), so that whoever holds one of their keys can decrypt a stored value with
 * `age -d`; every identity decrypts (the old one, kept after a new one while values are re-encrypted).
 */
export async function ageCipher(identities: string | readonly string[], extraRecipients: readonly string[] = []): Promise<SecretCipher> {
  const all = typeof identities === 'string' ? [identities] : identities;
  const identity = all[0];
  if (identity === undefined) throw new Error('an age cipher needs an identity');
  const opens = await Promise.all(all.map((each) => identityToRecipient(each)));
  const recipients = [opens[0] ?? '', ...extraRecipients];
  const decrypter = new Decrypter();
  for (const each of all) decrypter.addIdentity(each);
  const digestKey = createHash('sha256').update('cairn request fingerprint\0').update(identity).digest();
  return {
    digestKey,
    recipient: opens[0] ?? '',
    opens,
    async seal(value) {
      const encrypter = new Encrypter();
      for (const recipient of recipients) encrypter.addRecipient(recipient);
      return armor.encode(await encrypter.encrypt(JSON.stringify(value)));
    },
    async open(sealed) {
      return JSON.parse(await decrypter.decrypt(armor.decode(sealed), 'text')) as JsonValue;
    },
  };
}
