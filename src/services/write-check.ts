import type { CommitAction } from '../domain/commit-message.js';
import type { CairnError } from '../domain/errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';

/** What a write is about to commit, as every check sees it: documents already parsed, nothing written yet. */
export interface PendingWrite {
  readonly repo: GitRepository;
  readonly actor: Actor;
  /** The head the write is based on (null: the namespace has no commit yet). */
  readonly head: IndexedCommit | null;
  readonly action: CommitAction;
  /** New text per path, or null for a deletion; only paths whose content changes. */
  readonly files: ReadonlyMap<string, string | null>;
  /** The caller asked to go ahead despite problems a check may let pass when forced. */
  readonly force: boolean;
  /** A preview: a check reports what it would refuse rather than refusing (see `WriteCheck.check`). */
  readonly dryRun: boolean;
  /**
   * Refuses the write with `finding`, except in a preview, where the finding is collected into the preview
   * payload instead (a rollback preview shows that the old version violates today's schema, say).
   */
  report(finding: CairnError): void;
  /** An admin's emergency rollback the policy allows without approval (recorded with `Cairn-Emergency: true`). */
  readonly emergency?: boolean;
}

/**
 * A rule a write must pass before anything is committed (schema validation, overlays that must still apply,
 * approval policy). Checks run in the write pipeline after the expected version and the documents were checked,
 * inside the namespace's write lock, in registration order. A check refuses by throwing a typed CairnError
 * (previews are refused too) or by `PendingWrite.report` (previews carry it instead).
 */
export interface WriteCheck {
  /** Resolves 'forced' when the write passes only because `force` was given (recorded in the commit as Cairn-Forced). */
  check(write: PendingWrite): Promise<CheckVerdict | void>;
}

export type CheckVerdict = 'passed' | 'forced';
