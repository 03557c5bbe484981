import type { CommitAction } from '../domain/commit-message.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { Signature } from '../git/object-format.js';
import type { GitRepository } from '../git/repository.js';
import type { BaseDocuments } from './base-documents.js';

/** How a write is asked for, whatever its target. */
export interface CommitOptions {
  /**
   * The version the caller based the change on. null: the documents must not exist yet. A write is refused
   * with VersionConflict when a commit after this version touched any document the write changes. Checked on
   * targets whose rules ask for it (see TargetRules.expectedVersion).
   */
  readonly expectedVersion: string | null;
  readonly comment?: string | null;
  readonly requestId?: string | null;
  readonly dryRun?: boolean | null;
  /** Go ahead despite what a check lets pass when forced (an overlay a base change breaks, say). */
  readonly force?: boolean | null;
}

/** A write to a namespace's main. */
export interface WriteOptions extends CommitOptions {
  readonly namespace: string;
}

/**
 * What was asked, for the request's idempotency key: the use case and every input of it that shapes the commit
 * (`writeInputs(options)` plus its own). The same requestId with another request is refused with IdempotencyKeyReused.
 */
export interface WriteRequest {
  readonly operation: string;
  readonly payload: readonly unknown[];
}

/** What a use case wants committed, computed against the target's base. */
export interface WritePlan {
  readonly action: CommitAction;
  /** New text per path, or null to delete it. Paths whose content would not change are dropped. */
  readonly files: ReadonlyMap<string, string | null>;
  readonly rollbackTo?: string;
  readonly reverts?: string;
  /** A revert's values chosen by hand (`path#pointer`, each percent-encoded): trailer Cairn-Resolved. */
  readonly resolved?: readonly string[];
  /** A merge of this change request, let through by these approvers. */
  readonly proposal?: string;
  readonly approvedBy?: readonly string[];
  /** An admin's rollback of paths under an approval rule, allowed by the policy's emergencyRollback. */
  readonly emergency?: boolean;
  /** An imported commit: its original author and time (the operator goes to Cairn-Imported-By instead). */
  readonly author?: Signature;
  /** A release: the environment and the version of main it releases, which becomes the commit's second parent. */
  readonly release?: {
    readonly environment: string;
    readonly version: string;
    /** A release's rollout strategy, or a transition of the rollout it is in (rollout-state.ts). */
    readonly rollout?: string;
    readonly rolloutStep?: number;
    readonly rolloutState?: string;
    readonly rolloutFailed?: readonly string[];
  };
  /** A capture of an edit made in etcd outside Cairn: the key and the etcd revision of the edit (trailers). */
  readonly capture?: { readonly key: string; readonly revision: number };
  /** The target already holds what was asked (the version released there now): nothing is committed, UNCHANGED. */
  readonly settled?: boolean;
}

/**
 * Computes what to commit, inside the write lock, from the target's base (null: nothing there yet). `documents`
 * answers which documents exist at the base; the pipeline asks it again for the same paths at no cost.
 */
export type PlanWrite = (repo: GitRepository, base: IndexedCommit | null, documents: BaseDocuments) => Promise<WritePlan>;

/** The inputs every direct write shares, for its WriteRequest payload. */
export function writeInputs(options: CommitOptions): unknown[] {
  return [options.expectedVersion, options.comment ?? '', options.force ?? false];
}
