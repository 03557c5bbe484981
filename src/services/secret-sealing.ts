import { parseDocument, parseStoredDocument, serializeDocument } from '../domain/document-codec.js';
import { documentFormatOf } from '../domain/document-path.js';
import { getAtPointer } from '../domain/json-pointer.js';
import { deepEqual, type JsonValue } from '../domain/json-value.js';
import { DEFAULT_POLICY, type NamespacePolicy, POLICY_PATH, parseNamespacePolicy, secretRulesFor } from '../domain/namespace-policy.js';
import { SecretError } from '../domain/secret-errors.js';
import { REDACTED, isSealed } from '../domain/secret-marker.js';
import { overlayLocationOf } from '../domain/overlay-path.js';
import { overlaySecretPointers, type SecretRule, secretPointersIn } from '../domain/secret-paths.js';
import { applyValueChange } from '../domain/value-edit.js';
import type { ValueChange } from '../domain/value-diff.js';
import { editYamlText } from '../domain/yaml-edit.js';
import type { GitRepository } from '../git/repository.js';
import type { BaseDocuments } from './base-documents.js';
import { policyAt } from './namespace-policy.js';
import type { SecretCipher } from './secret-cipher.js';

/**
 * The write pipeline's step that keeps secrets out of Git in plaintext (docs/secrets.md): every value a namespace's
 * policy marks secret is replaced by its age-encrypted form before the document is hashed and committed.
 * - A plaintext value is encrypted, unless the base holds the same value encrypted: that ciphertext is kept, so a
 *   write that does not change a secret does not change its stored form (age ciphertext differs every time).
 * - An encrypted value is kept as it is once it decrypts with the server's key; one that does not is refused.
 * - The redaction marker keeps the base's encrypted value: a reader without the secrets permission can write back
 *   what it read without erasing the secrets it could not see.
 * Without a key, a document holding secret values is refused (SECRETS_KEY_MISSING): never stored in plaintext.
 */
export class SecretSealing {
  constructor(
    private readonly cipher: SecretCipher | null,
    private readonly maxDocumentBytes: number,
  ) {}

  /**
   * `mayKeep`: the writer has the secrets permission. Only then does a plaintext equal to the stored value keep its
   * ciphertext: for anyone else "unchanged" against "changed" would tell whether a guessed value is the secret.
   */
  async seal(
    repo: GitRepository,
    base: BaseDocuments,
    files: ReadonlyMap<string, string | null>,
    mayKeep: boolean,
  ): Promise<ReadonlyMap<string, string | null>> {
    const policy = await this.policyFor(repo, base, files);
    if (policy.secrets.length === 0) return files;
    let sealed: Map<string, string | null> | null = null;
    for (const [path, text] of files) {
      if (text === null) continue;
      const rules = secretRulesFor(policy, path);
      if (rules.length === 0) continue;
      const next = await this.sealDocument(repo, base, path, text, rules, mayKeep);
      if (next === text) continue;
      sealed ??= new Map(files);
      sealed.set(path, next);
    }
    return sealed ?? files;
  }

  /** The policy at the base and, when the write changes it, the new one too: a secret either marks stays hidden. */
  private async policyFor(repo: GitRepository, base: BaseDocuments, files: ReadonlyMap<string, string | null>): Promise<NamespacePolicy> {
    const text = files.get(POLICY_PATH);
    const next = typeof text === 'string' ? parsedPolicy(text) : null;
    const current = await policyAt(repo, base.commit?.oid ?? null).catch((error: unknown) => {
      // A head policy that does not parse can be replaced (the approval check says by whom); without one, the write fails.
      if (next) return DEFAULT_POLICY;
      throw error;
    });
    return next ? { ...current, secrets: [...current.secrets, ...next.secrets] } : current;
  }

  private async sealDocument(
    repo: GitRepository,
    base: BaseDocuments,
    path: string,
    text: string,
    rules: readonly SecretRule[],
    mayKeep: boolean,
  ): Promise<string> {
    let value: JsonValue;
    try {
      value = parseDocument(path, text, this.maxDocumentBytes);
    } catch {
      return text; // validation reports what is wrong with it, and nothing is committed
    }
    const pointers = isOverlay(path) ? overlaySecretPointers(rules, value) : secretPointersIn(rules, value);
    if (pointers.length === 0) return text;
    const cipher = this.cipher;
    if (!cipher) throw new SecretError('SECRETS_KEY_MISSING', path, pointers[0] ?? '');
    const before = await baseValue(repo, base, path);
    const changes: ValueChange[] = [];
    for (const pointer of pointers) {
      const leaf = getAtPointer(value, pointer) ?? null;
      const stored = await sealedLeaf(cipher, path, pointer, leaf, before === undefined ? undefined : getAtPointer(before, pointer), mayKeep);
      if (stored !== leaf) changes.push({ pointer, op: 'replace', oldValue: leaf, newValue: stored });
    }
    return changes.length === 0 ? text : editedText(path, text, value, changes);
  }
}

async function sealedLeaf(
  cipher: SecretCipher,
  path: string,
  pointer: string,
  leaf: JsonValue,
  stored: JsonValue | undefined,
  mayKeep: boolean,
): Promise<string> {
  if (leaf === REDACTED) {
    if (isSealed(stored)) return stored;
    throw new SecretError('SECRET_REDACTED_UNKNOWN', path, pointer);
  }
  if (isSealed(leaf)) {
    await cipher.open(leaf).catch(() => {
      throw new SecretError('SECRET_UNREADABLE', path, pointer);
    });
    return leaf;
  }
  if (mayKeep && isSealed(stored)) {
    const same = await cipher.open(stored).then(
      (old) => deepEqual(old, leaf),
      () => false,
    );
    if (same) return stored;
  }
  return cipher.seal(leaf);
}

function isOverlay(path: string): boolean {
  try {
    return overlayLocationOf(path) !== null;
  } catch {
    return false; // a malformed overlay path is refused by validation
  }
}

function parsedPolicy(text: string): NamespacePolicy | null {
  try {
    return parseNamespacePolicy(parseDocument(POLICY_PATH, text));
  } catch {
    return null; // the approval check refuses a policy that does not parse
  }
}

async function baseValue(repo: GitRepository, base: BaseDocuments, path: string): Promise<JsonValue | undefined> {
  const blob = await base.blobOf(path);
  if (blob === null) return undefined;
  try {
    return parseStoredDocument(path, await repo.readText(blob));
  } catch {
    return undefined;
  }
}

/** YAML edited in place (comments and layout kept) when that says exactly the edited value, else serialized. */
export function editedText(path: string, text: string, value: JsonValue, changes: readonly ValueChange[]): string {
  let after: JsonValue | undefined = structuredClone(value);
  for (const change of changes) {
    const result = applyValueChange(after, change);
    if (!result.ok) throw new Error(`'${path}': a value found in the document could not be replaced`);
    after = result.value;
  }
  const sealed = after ?? null;
  const format = documentFormatOf(path) ?? 'json';
  if (format === 'yaml') {
    const edited = editYamlText(text, changes);
    if (edited !== null && says(path, edited, sealed)) return edited;
  }
  return serializeDocument(format, sealed);
}

function says(path: string, text: string, value: JsonValue): boolean {
  try {
    return deepEqual(parseStoredDocument(path, text), value);
  } catch {
    return false;
  }
}
