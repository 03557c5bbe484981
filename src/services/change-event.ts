import type { CommitAction } from '../domain/commit-message.js';
import { shownDiff } from './secret-diff.js';
import { isDocumentPath } from '../domain/document-path.js';
import type { JsonPatchOperation } from '../domain/json-patch.js';
import type { JsonValue } from '../domain/json-value.js';
import type { ValueChange } from '../domain/value-diff.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { PathStatus } from '../git/tree-diff.js';
import type { BlobSource } from './blob-source.js';
import { storedDiff } from './diff.js';
import type { DocumentDiff } from './document-diff.js';

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

/**
 * What one commit did to one document. With `tooLarge` every payload field is empty (`changes` and `patch` empty,
 * both contents null) and the client fetches the diff or the document through the API instead: the event itself is
 * never dropped.
 */
export interface DocumentChangeEvent {
  readonly path: string;
  readonly status: PathStatus;
  readonly changes: readonly ValueChange[];
  /** RFC 6902 JSON Patch from the old value to the new one. */
  readonly patch: readonly JsonPatchOperation[];
  /** The whole value before the commit; null when the document was added (or could not be parsed). */
  readonly oldContent: JsonValue | null;
  /** The whole value after the commit; null when the document was deleted (or could not be parsed). */
  readonly newContent: JsonValue | null;
  readonly tooLarge: boolean;
}

/** Default cap: above this many bytes (changes, patch and both values, as JSON) per document, an event says "too large". */
export const MAX_EVENT_DOCUMENT_BYTES = 256 * 1024;

export async function buildChangeEvent(
  repo: GitRepository,
  commit: IndexedCommit,
  blobs: BlobSource,
  maxDocumentBytes = MAX_EVENT_DOCUMENT_BYTES,
): Promise<ChangeEvent> {
  const documents = await Promise.all(
    commit.changes.filter((c) => isDocumentPath(c.path)).map((change) => documentEvent(storedDiff(repo, blobs, change), maxDocumentBytes)),
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

/**
 * Texts this many times over the cap are not parsed or diffed for an event at all: an event carries both contents
 * and the changes between them, so texts that large do not fit (short of a document that is mostly comments), and
 * diffing two 1 MiB documents to find that out held the event loop for seconds after every large write.
 */
const CHEAP_REFUSAL_FACTOR = 2;

async function documentEvent(diff: DocumentDiff, maxBytes: number): Promise<DocumentChangeEvent> {
  const [oldText, newText] = await Promise.all([diff.oldText(), diff.newText()]);
  if ((oldText?.length ?? 0) + (newText?.length ?? 0) > CHEAP_REFUSAL_FACTOR * maxBytes) return tooLarge(diff);
  // Events reach every subscriber and webhook: secret values are "[secret]" in them (secret-diff.ts).
  const shown = shownDiff(diff);
  const [changes, patch, oldContent, newContent] = await Promise.all([shown.changes(), shown.patch(), shown.oldValue(), shown.newValue()]);
  const payload = { changes, patch, oldContent: oldContent ?? null, newContent: newContent ?? null };
  if (jsonBytes(payload) <= maxBytes) return { path: diff.path, status: diff.status, ...payload, tooLarge: false };
  return tooLarge(diff);
}

function tooLarge(diff: DocumentDiff): DocumentChangeEvent {
  return { path: diff.path, status: diff.status, changes: [], patch: [], oldContent: null, newContent: null, tooLarge: true };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
