import { validateRequestId } from '../domain/commit-message.js';
import { InvalidInputError, VersionConflictError } from '../domain/errors.js';
import type { Signature } from '../git/object-format.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';
import { BaseDocuments } from './base-documents.js';
import { stageChanges } from './staged-changes.js';
import { planUpdate, prepare } from './update.js';
import { viewOf } from './version-view.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import type { WritePlan } from './write-request.js';

/** One commit of another repository, as it is to be replayed: who wrote it, when, why, and what it did to documents. */
export interface ImportedCommit {
  readonly author: { readonly name: string; readonly email: string };
  readonly authoredAt: Date;
  /** Minutes east of UTC of the author's clock (+0200 = 120), as Git records it. */
  readonly timezoneOffset: number;
  readonly message: string;
  /** This commit's idempotency key; `<batch requestId>.<index>` when absent. */
  readonly requestId?: string | null;
  /** New raw text per path, or a deletion. */
  readonly changes: readonly { readonly path: string; readonly text?: string | null; readonly delete?: boolean | null }[];
}

export interface ImportBatch {
  readonly namespace: string;
  /** The namespace head the batch builds on (null: the namespace is empty); refused with VersionConflict otherwise. */
  readonly expectedVersion: string | null;
  /** Commit i of the batch is written with its own request id, or `<requestId>.<i>`, so a retried batch replays what landed. */
  readonly requestId: string;
  readonly commits: readonly ImportedCommit[];
}

export interface ImportResult {
  /** One outcome per commit of the batch, in order. */
  readonly outcomes: readonly WriteOutcome[];
}

export const MAX_COMMITS_PER_IMPORT = 500;
/** Leaves room for the `.<index>` suffix within the 128 characters of a request id. */
const MAX_BATCH_REQUEST_ID = 120;
/** Git's offsets stay within a day either way. */
const MAX_OFFSET_MINUTES = 24 * 60 - 1;

/**
 * importHistory: commits of another Git repository replayed onto a namespace, oldest first, each through the
 * write pipeline (admin role, the namespace lock, the same checks and idempotency as any write) with its original
 * author and time. The batch must build on the exact head, so imported history stays contiguous: a write that
 * slipped in between is a VersionConflict, never an interleaving.
 */
export class ImportHistoryService {
  constructor(
    private readonly pipeline: WritePipeline,
    private readonly access: NamespaceAccess,
  ) {}

  async importBatch(actor: Actor, batch: ImportBatch): Promise<ImportResult> {
    const requestId = validateBatch(batch);
    const prepared: { commit: ImportedCommit; files: Map<string, string | null>; author: Signature; requestId: string }[] = [];
    // In order, so that the first commit with bad input is the one reported.
    for (const [index, commit] of batch.commits.entries()) {
      prepared.push({
        commit,
        files: await prepare(commit.changes),
        author: signatureOf(commit),
        requestId: commit.requestId ? validateRequestId(commit.requestId) : `${requestId}.${index}`,
      });
    }
    // One hold of the write lock and one write to disk for the whole batch; each commit still takes the pipeline.
    return this.pipeline.targets.mainBatch(actor, batch.namespace, 'admin', async (target) => {
      const outcomes: WriteOutcome[] = [];
      let previous = batch.expectedVersion;
      for (const { commit, files, author, requestId: commitRequestId } of prepared) {
        const base = previous;
        const settled = await this.unchangedAt(actor, batch.namespace, base, files, commitRequestId);
        if (settled) {
          outcomes.push(settled);
          continue;
        }
        const outcome = await this.pipeline.write({
          actor,
          target,
          options: { expectedVersion: base, comment: commit.message, requestId: commitRequestId },
          // The base is left out: a resumed import sends a landed commit again on a later head, and it is the same commit.
          request: { operation: 'import', payload: [author, commit.message, [...files].sort(([a], [b]) => (a < b ? -1 : 1))] },
          plan: (repo, _head, documents) => planImport(repo, documents, base, files, author),
        });
        outcomes.push(outcome);
        if (outcome.kind !== 'preview' && outcome.version) previous = outcome.version.commit.oid;
      }
      return { outcomes };
    });
  }

  /**
   * A commit that changes nothing at its base was UNCHANGED when first imported and left no request id behind: sent
   * again (to resume the import, or once the source grew) its base is no longer the head, and it would be refused as
   * a VersionConflict though nothing about it is in doubt. It is UNCHANGED again, and the next commit builds on the
   * same base. Only for a base on main that is not the head: at the head, the write pipeline decides as usual.
   */
  private async unchangedAt(
    actor: Actor,
    namespace: string,
    base: string | null,
    files: ReadonlyMap<string, string | null>,
    requestId: string,
  ): Promise<WriteOutcome | null> {
    if (base === null) return null;
    const repo = await this.access.open(actor, namespace, 'admin');
    if (repo.commitWithRequestId(requestId)) return null;
    const baseCommit = repo.mainCommit(await repo.resolve(base).catch(() => ''));
    if (!baseCommit || baseCommit.oid === repo.head()?.oid) return null;
    const changes = await stageChanges(repo, new BaseDocuments(repo, baseCommit), files);
    return changes.size === 0 ? { kind: 'unchanged', version: viewOf(repo, baseCommit) } : null;
  }
}

function validateBatch(batch: ImportBatch): string {
  if (batch.commits.length === 0) throw new InvalidInputError('no commits to import');
  if (batch.commits.length > MAX_COMMITS_PER_IMPORT) throw new InvalidInputError(`at most ${MAX_COMMITS_PER_IMPORT} commits per import batch`);
  const requestId = validateRequestId(batch.requestId);
  if (requestId.length > MAX_BATCH_REQUEST_ID) throw new InvalidInputError(`an import request id must be at most ${MAX_BATCH_REQUEST_ID} characters`);
  return requestId;
}

function signatureOf(commit: ImportedCommit): Signature {
  const { name, email } = commit.author;
  if (name.trim() === '' || /[<>\p{Cc}]/u.test(name) || /[<>\p{Cc}]/u.test(email)) {
    throw new InvalidInputError(`author '${name} <${email}>': a name is required, and neither part may hold '<', '>' or control characters`);
  }
  const seconds = Math.floor(commit.authoredAt.getTime() / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidInputError('authoredAt must be an instant after 1970');
  if (!Number.isInteger(commit.timezoneOffset) || Math.abs(commit.timezoneOffset) > MAX_OFFSET_MINUTES) {
    throw new InvalidInputError(`timezoneOffset must be whole minutes within ±${MAX_OFFSET_MINUTES}`);
  }
  return { name, email, timestamp: seconds, timezoneOffset: commit.timezoneOffset };
}

/** An imported commit lands on exactly the commit it was based on: history is replayed, never merged. */
async function planImport(
  repo: GitRepository,
  documents: BaseDocuments,
  base: string | null,
  files: Map<string, string | null>,
  author: Signature,
): Promise<WritePlan> {
  const head = documents.commit?.oid ?? null;
  const expected = base === null ? null : await repo.resolve(base);
  if (head !== expected) throw new VersionConflictError(base, head, [...files.keys()]);
  return { ...(await planUpdate(documents, files)), action: 'import', author };
}
