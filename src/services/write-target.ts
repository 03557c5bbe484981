import type { IndexedCommit } from '../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';

/**
 * Where a write's commit lands: which repository and ref, the commit it builds on, and which of the pipeline's
 * stages apply there. The pipeline (write-pipeline.ts) runs every stage the same way for every target; a target only
 * answers these questions. A new kind of commit (an environment's release branch, say) is a new target: one small
 * file in `targets/` and a factory in `write-targets.ts`.
 */
export interface WriteTarget {
  /** For errors and logs: `main`, `proposals/<id>`, `system`. */
  readonly label: string;
  readonly rules: TargetRules;
  /** The repository, once the actor may write to this target (authorization happens here). */
  open(actor: Actor): Promise<GitRepository>;
  /** The commit the write is planned against and builds on, read inside the write lock; null for none yet. */
  base(repo: GitRepository): Promise<IndexedCommit | null>;
  /** Writes the objects and moves the target's ref from the base to the new commit, or fails with RefMovedError. */
  land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit>;
  /** The refusal when other replicas kept winning the race to the shared remote. */
  contention(repo: GitRepository, expected: string | null): Error;
  /**
   * With rules.expectedVersion 'base': the commit the caller's expected version must name; the base itself when a
   * target does not say (an environment's release is expected by its release, whatever rollout steps followed it).
   */
  expectedBase?(repo: GitRepository, base: IndexedCommit | null): Promise<string | null>;
  /** The commit a request id already made on this target; main's index answers when a target does not say. */
  earlier?(repo: GitRepository, requestId: string): Promise<IndexedCommit | undefined>;
  /**
   * Runs a write with no other write of the repository in between: its write lock when a target does not say. A
   * target whose writes all run inside one hold of the lock (a batch of imported commits) runs it as it is.
   */
  serialize?<T>(repo: GitRepository, write: () => Promise<T>): Promise<T>;
}

export interface TargetRules {
  /**
   * How the caller's expected version is checked: 'documents', against main's history (documents changed since are
   * a conflict); 'base', it must be the target's base itself (null: no base yet), as an environment's current
   * release; 'none', not at all.
   */
  readonly expectedVersion: 'documents' | 'base' | 'none';
  /** New documents are parsed and must be valid JSON or YAML within the size limits. */
  readonly validateDocuments: boolean;
  /** Every registered WriteCheck runs (schema, overlays, approvals): what lands here is served configuration. */
  readonly checks: boolean;
  /**
   * A write that changes no document: 'unchanged' answers UNCHANGED with no commit; 'commit' records it anyway (a
   * review is an empty commit); 'refuse' is an InvalidInput (a change request must change something).
   */
  readonly unchanged: 'unchanged' | 'commit' | 'refuse';
}
