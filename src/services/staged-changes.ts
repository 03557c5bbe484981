import type { EncodedObject } from '../git/object-format.js';
import type { GitRepository } from '../git/repository.js';
import type { BaseDocuments } from './base-documents.js';
import { giveWay } from './event-loop-turn.js';

/** One document a write changes: its new text and blob (hashed once, for the no-op filter, the parse cache and the commit), or a deletion. */
export interface StagedChange {
  readonly text: string | null;
  readonly blob: EncodedObject | null;
}

/** The planned files whose content differs from the base, in the plan's order; paths left as they are drop out. */
export async function stageChanges(repo: GitRepository, base: BaseDocuments, files: ReadonlyMap<string, string | null>): Promise<Map<string, StagedChange>> {
  const staged = new Map<string, StagedChange>();
  for (const [path, text] of files) {
    const blob = text === null ? null : repo.encodeBlob(Buffer.from(text));
    if ((await base.blobOf(path)) !== (blob?.oid ?? null)) staged.set(path, { text, blob });
    // A rollback or an import can touch thousands of documents: other requests get their turns in between.
    await giveWay();
  }
  return staged;
}

/** The staged changes as the checks and the preview see them: new text per path, null for a deletion. */
export function stagedTexts(staged: ReadonlyMap<string, StagedChange>): Map<string, string | null> {
  return new Map([...staged].map(([path, change]) => [path, change.text] as const));
}

/** The staged changes as the Git layer commits them: encoded blob per path, null for a deletion. */
export function stagedBlobs(staged: ReadonlyMap<string, StagedChange>): Map<string, EncodedObject | null> {
  return new Map([...staged].map(([path, change]) => [path, change.blob] as const));
}
