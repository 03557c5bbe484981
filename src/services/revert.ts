import { documentFormatOf, isDocumentPath } from '../domain/document-path.js';
import { RevertConflictError, type ValueConflict } from '../domain/errors.js';
import { type DocumentSide, revertDocument } from '../domain/revert-merge.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { giveWay } from './event-loop-turn.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import { type WriteOptions, type WritePlan, writeInputs } from './write-request.js';
import { InvalidInputError } from '../domain/errors.js';
import { parseStoredText } from './document-parser.js';

export interface RevertRequest extends WriteOptions {
  readonly version: string;
}

/**
 * Revert of C: a new commit undoing C alone. Each document C touched is merged three ways (C's parent, C, head);
 * when a later commit changed the same values, nothing is committed and the conflicts are listed.
 */
export class RevertService {
  constructor(private readonly pipeline: WritePipeline) {}

  revert(actor: Actor, request: RevertRequest): Promise<WriteOutcome> {
    return this.pipeline.run(actor, request, { operation: 'revert', payload: [...writeInputs(request), request.version] }, (repo, head) =>
      planRevert(repo, head, request.version),
    );
  }
}

async function planRevert(repo: GitRepository, head: IndexedCommit | null, version: string): Promise<WritePlan> {
  const commit = await repo.describe(await repo.resolve(version));
  if (commit.seq < 0) throw new InvalidInputError(`'${version}' is not a version of main; only main's versions are reverted`);
  const files = new Map<string, string | null>();
  const conflicts: ValueConflict[] = [];
  for (const change of commit.changes.filter((c) => isDocumentPath(c.path))) {
    const [before, after, current] = await Promise.all([
      side(repo, change.path, change.oldOid),
      side(repo, change.path, change.newOid),
      head ? repo.blobAt(head.oid, change.path).then((oid) => side(repo, change.path, oid)) : null,
    ]);
    const outcome = revertDocument(change.path, documentFormatOf(change.path) ?? 'json', before, after, current);
    if (outcome.kind === 'conflict') conflicts.push({ path: change.path, pointers: outcome.pointers });
    else if (outcome.kind === 'write') files.set(change.path, outcome.text);
    else if (outcome.kind === 'delete') files.set(change.path, null);
    await giveWay();
  }
  if (conflicts.length) throw new RevertConflictError(commit.oid, conflicts);
  return { action: 'revert', files, reverts: commit.oid };
}

async function side(repo: GitRepository, path: string, oid: string | null): Promise<DocumentSide | null> {
  if (!oid) return null;
  const text = await repo.readText(oid);
  return { text, value: await parseStoredText(path, text, oid) };
}
