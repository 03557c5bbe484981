import { readFile } from 'node:fs/promises';
import { type SecretCipher, ageCipher } from '../services/secret-cipher.js';

/** The key file and extra recipients of Settings.secrets. */
export interface SecretsKeySettings {
  readonly keyFile: string | null;
  readonly recipients: readonly string[];
}

/**
 * The cipher for secret values, from CAIRN_SECRETS_KEY_FILE (an `age-keygen` file: comments and one
 * `AGE-SECRET-KEY-1...` line, or several: the first encrypts, all decrypt); null when the setting is unset. A file that is missing, unreadable or holds no
 * usable identity, or a recipient that is not one, stops the start: a server that cannot decrypt would otherwise
 * run as if the namespace had no secrets. Errors name the file, never its content.
 */
export async function loadSecretCipher(settings: SecretsKeySettings): Promise<SecretCipher | null> {
  const file = settings.keyFile;
  if (file === null) return null;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`CAIRN_SECRETS_KEY_FILE: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const identities = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('AGE-SECRET-KEY-'));
  if (identities.length === 0) throw new Error(`CAIRN_SECRETS_KEY_FILE: '${file}' holds no age identity (AGE-SECRET-KEY-1...), as age-keygen writes`);
  let cipher: SecretCipher;
  try {
    // The first identity encrypts; each one decrypts (a new key first, the old one after it, during a rotation).
    cipher = await ageCipher(identities, settings.recipients);
    for (const identity of identities) await ageCipher(identity);
  } catch {
    throw new Error(`CAIRN_SECRETS_KEY_FILE: '${file}' does not hold a valid age identity`);
  }
  // One round trip proves the recipients are valid and the identity opens what is encrypted to it.
  try {
    await cipher.open(await cipher.seal(null));
  } catch {
    throw new Error(`CAIRN_SECRETS_RECIPIENTS: not every recipient is a valid age recipient (age1...)`);
  }
  return cipher;
}
