import { roleIn } from '../domain/access.js';
import type { JsonValue } from '../domain/json-value.js';
import { SecretError } from '../domain/secret-errors.js';
import { REDACTED, SEALED_PREFIX, sealedLeaves } from '../domain/secret-marker.js';
import type { ValueChange } from '../domain/value-diff.js';
import { applyValueChange } from '../domain/value-edit.js';
import type { Actor } from './actor.js';
import type { SecretCipher } from './secret-cipher.js';
import { editedText } from './secret-sealing.js';

/**
 * What a reader sees of the secret values of a document (docs/secrets.md): their plaintext when it holds the
 * secrets permission, else the redaction marker "[secret]" in place of each, never the ciphertext. A value is
 * secret when it is stored encrypted, whatever the policy says today (a rule removed later does not expose it).
 */
/**
 * The secrets permission: an admin of the namespace, and an agent (the narrow role of a running service, which needs
 * the values to run). Viewers and editors see "[secret]".
 */
export function maySeeSecrets(actor: Actor, namespace: string): boolean {
  const role = roleIn(actor.operator.grants, namespace);
  return role === 'admin' || role === 'agent';
}

export class SecretReveal {
  /** Parsed documents known to hold no encrypted value: cached values are shared, so each is walked once. */
  private readonly clean = new WeakSet<object>();

  constructor(private readonly cipher: SecretCipher | null) {}

  /**
   * The secrets permission: an admin of the namespace, and an agent (the narrow role of a running service, which
   * needs the values to run). Viewers and editors see "[secret]".
   */
  mayRead(actor: Actor, namespace: string): boolean {
    return maySeeSecrets(actor, namespace);
  }

  /** Whether the server holds a secrets key, so that secret values may exist. */
  get active(): boolean {
    return this.cipher !== null;
  }

  /** `value` with each encrypted value decrypted or redacted; the same object when it holds none (cached values stay shared). */
  async value(path: string, value: JsonValue, plaintext: boolean): Promise<JsonValue> {
    const changes = await this.changes(path, value, plaintext);
    if (changes.length === 0) return value;
    let result: JsonValue | undefined = structuredClone(value);
    for (const change of changes) {
      const edit = applyValueChange(result, change);
      if (edit.ok) result = edit.value;
    }
    return result ?? null;
  }

  /** The document's text with each encrypted value decrypted or redacted (YAML keeps its comments and layout). */
  async text(path: string, text: string, value: () => Promise<JsonValue>, plaintext: boolean): Promise<string> {
    if (!text.includes(SEALED_PREFIX)) return text;
    const parsed = await value();
    const changes = await this.changes(path, parsed, plaintext);
    return changes.length === 0 ? text : editedText(path, text, parsed, changes);
  }

  /** An effective document (content and text) as the reader may see it; the same object when it holds no secret. */
  async document<D extends { readonly path: string; readonly content: JsonValue; readonly text: string }>(doc: D, plaintext: boolean): Promise<D> {
    if (!doc.text.includes(SEALED_PREFIX)) return doc;
    const content = await this.value(doc.path, doc.content, plaintext);
    if (content === doc.content) return doc;
    return { ...doc, content, text: await this.text(doc.path, doc.text, () => Promise.resolve(doc.content), plaintext) };
  }

  private async changes(path: string, value: JsonValue, plaintext: boolean): Promise<ValueChange[]> {
    const changes: ValueChange[] = [];
    if (typeof value === 'object' && value !== null && this.clean.has(value)) return changes;
    const leaves = sealedLeaves(value);
    if (leaves.length === 0 && typeof value === 'object' && value !== null) this.clean.add(value);
    for (const [pointer, sealed] of leaves) {
      changes.push({ pointer, op: 'replace', oldValue: sealed, newValue: plaintext ? await this.open(path, pointer, sealed) : REDACTED });
    }
    return changes;
  }

  private async open(path: string, pointer: string, sealed: string): Promise<JsonValue> {
    if (!this.cipher) throw new SecretError('SECRETS_KEY_MISSING', path, pointer);
    try {
      return await this.cipher.open(sealed);
    } catch {
      throw new SecretError('SECRET_UNREADABLE', path, pointer);
    }
  }
}
