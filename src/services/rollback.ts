import { isDocumentPath, validateDocumentPath } from '../domain/document-path.js';
import { InvalidInputError } from '../domain/errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { giveWay } from './event-loop-turn.js';
import { emergencyRollbackAllowed } from './approval-check.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import { type WriteOptions, type WritePlan, writeInputs } from './write-request.js';

export interface RollbackRequest extends WriteOptions {
  readonly to: string;
  /** Only these documents; all documents when absent. */
  readonly paths?: readonly string[] | null;
}

/**
 * Rollback to V: a new commit whose documents (all, or the chosen ones) equal their content at V. History is
 * never rewritten; a document that did not exist at V is deleted.
 */
export class RollbackService {
  constructor(private readonly pipeline: WritePipeline) {}

  rollback(actor: Actor, request: RollbackRequest): Promise<WriteOutcome> {
    const paths = request.paths?.map(validateDocumentPath) ?? null;
    if (paths && paths.length === 0) throw new InvalidInputError('paths is empty; omit it to roll back every document');
    return this.pipeline.run(
      actor,
      request,
      { operation: 'rollback', payload: [...writeInputs(request), request.to, paths ? [...paths].sort() : null] },
      async (repo, head) => {
        const plan = await planRollback(repo, head, request.to, paths);
        return { ...plan, emergency: await emergencyRollbackAllowed(repo, actor, head, plan.files.keys()) };
      },
    );
  }
}

/** What rolling back to `to` changes on top of `head` (the chosen paths, or every document). */
export async function planRollback(repo: GitRepository, head: IndexedCommit | null, to: string, paths: string[] | null): Promise<WritePlan> {
  const target = await repo.resolve(to);
  // Rolling back to a commit off main (a proposal's, say) would put unapproved content on main.
  if (!repo.mainCommit(target)) throw new InvalidInputError(`'${to}' is not a version of main; roll back to one of main's versions`);
  const targetTree = await repo.treeOf(target);
  const [atTarget, atHead] = await Promise.all([repo.filesIn(targetTree), head ? repo.filesIn(head.tree) : []]);
  const targetBlobs = new Map(atTarget.filter((b) => isDocumentPath(b.path)).map((b) => [b.path, b.oid]));
  const headBlobs = new Map(atHead.filter((b) => isDocumentPath(b.path)).map((b) => [b.path, b.oid]));
  const scope = paths ?? [...new Set([...targetBlobs.keys(), ...headBlobs.keys()])];
  const files = new Map<string, string | null>();
  for (const path of scope) {
    const wanted = targetBlobs.get(path) ?? null;
    if (wanted === (headBlobs.get(path) ?? null)) continue;
    files.set(path, wanted === null ? null : await repo.readText(wanted));
    await giveWay();
  }
  return { action: 'rollback', files, rollbackTo: target };
}
