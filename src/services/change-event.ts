import type { CommitAction } from '../domain/commit-message.js';
import { isDocumentPath } from '../domain/document-path.js';
import type { JsonPatchOperation } from '../domain/json-patch.js';
import type { ValueChange } from '../domain/value-diff.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { PathStatus } from '../git/tree-diff.js';
import type { BlobSource } from './blob-source.js';
import { storedDiff } from './diff.js';

/** One commit as the change feed carries it: plain JSON, so it can cross processes (Redis) unchanged. */
export interface ChangeEvent {
  /** The commit hash: stable, so a client or a webhook receiver can deduplicate. */
  readonly id: string;
  readonly namespace: string;
  readonly version: string;
  readonly parentVersion: string | null;
  /** Position in the namespace's main history; replay and live delivery are stitched together on it. */
  readonly sequence: number;
  readonly action: CommitAction | null;
  readonly operator: { readonly name: string; readonly email: string };
  readonly operatorIp: string | null;
  readonly time: string;
  readonly comment: string;
  readonly documents: readonly DocumentChangeEvent[];
}

export interface DocumentChangeEvent {
  readonly path: string;
  readonly status: PathStatus;
  /** Empty with `tooLarge`: fetch the diff through the API instead. */
  readonly changes: readonly ValueChange[];
  readonly patch: readonly JsonPatchOperation[];
  readonly tooLarge: boolean;
}

/** Above this many bytes of changes per document, an event says "too large" rather than carrying them. */
export const MAX_EVENT_DOCUMENT_BYTES = 256 * 1024;

export async function buildChangeEvent(repo: GitRepository, commit: IndexedCommit, blobs: BlobSource): Promise<ChangeEvent> {
  const documents = await Promise.all(
    commit.changes.filter((c) => isDocumentPath(c.path)).map(async (change): Promise<DocumentChangeEvent> => {
      const diff = storedDiff(repo, blobs, change);
      const [changes, patch] = await Promise.all([diff.changes(), diff.patch()]);
      const tooLarge = JSON.stringify(changes).length + JSON.stringify(patch).length > MAX_EVENT_DOCUMENT_BYTES;
      return { path: change.path, status: change.status, changes: tooLarge ? [] : changes, patch: tooLarge ? [] : patch, tooLarge };
    }),
  );
  return {
    id: commit.oid,
    namespace: repo.name,
    version: commit.oid,
    parentVersion: commit.parents[0] ?? null,
    sequence: commit.seq,
    action: commit.trailers?.action ?? null,
    operator: { name: commit.author.name, email: commit.author.email },
    operatorIp: commit.trailers?.operatorIp ?? null,
    time: new Date(commit.committer.timestamp * 1000).toISOString(),
    comment: commit.comment,
    documents,
  };
}
