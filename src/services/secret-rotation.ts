import { parseStoredDocument } from '../domain/document-codec.js';
import { isDocumentPath } from '../domain/document-path.js';
import { SecretError } from '../domain/secret-errors.js';
import { SEALED_PREFIX, sealedLeaves } from '../domain/secret-marker.js';
import type { ValueChange } from '../domain/value-diff.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { giveWay } from './event-loop-turn.js';
import type { SecretCipher } from './secret-cipher.js';
import { editedText } from './secret-sealing.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import { type WriteOptions, writeInputs } from './write-request.js';

/**
 * Re-encrypts every secret value of a namespace to the server's current recipients, in one commit (an admin's
 * `reencryptSecrets`): after a recipient was added to CAIRN_SECRETS_RECIPIENTS, or a new identity put first in the
 * key file with the old one after it (docs/secrets.md). Nothing else in the documents changes.
 */
export class SecretRotation {
  constructor(
    private readonly pipeline: WritePipeline,
    private readonly cipher: SecretCipher | null,
  ) {}

  reencrypt(actor: Actor, options: WriteOptions): Promise<WriteOutcome> {
    const cipher = this.cipher;
    if (!cipher) throw new SecretError('SECRETS_KEY_MISSING', '', '');
    const request = { operation: 'reencrypt-secrets', payload: writeInputs(options) };
    return this.pipeline.run(actor, options, request, async (repo, base) => ({ action: 'update', files: await reencrypted(repo, base, cipher) }), 'admin');
  }
}

async function reencrypted(repo: GitRepository, base: IndexedCommit | null, cipher: SecretCipher): Promise<Map<string, string | null>> {
  const files = new Map<string, string | null>();
  if (!base) return files;
  for (const blob of await repo.filesIn(base.tree, '')) {
    if (!isDocumentPath(blob.path)) continue;
    const text = await repo.readText(blob.oid);
    if (!text.includes(SEALED_PREFIX)) continue;
    const value = parseStoredDocument(blob.path, text);
    const changes: ValueChange[] = [];
    for (const [pointer, sealed] of sealedLeaves(value)) {
      const plain = await cipher.open(sealed).catch(() => {
        throw new SecretError('SECRET_UNREADABLE', blob.path, pointer);
      });
      changes.push({ pointer, op: 'replace', oldValue: sealed, newValue: await cipher.seal(plain) });
    }
    if (changes.length > 0) files.set(blob.path, editedText(blob.path, text, value, changes));
    await giveWay();
  }
  return files;
}
