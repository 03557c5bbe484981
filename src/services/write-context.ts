import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import type { CommitOptions, PlanWrite } from './write-request.js';
import type { WriteTarget } from './write-target.js';

/** A request id and the fingerprint of the request it came with. */
export interface KeyedRequest {
  readonly id: string;
  readonly fingerprint: string;
}

/** One write as it travels through the pipeline's stages, from the open repository to the landed commit. */
export interface WriteContext {
  readonly actor: Actor;
  readonly target: WriteTarget;
  readonly repo: GitRepository;
  readonly options: CommitOptions;
  /** The idempotency key and what it was asked with; null without a requestId. */
  readonly keyed: KeyedRequest | null;
  readonly plan: PlanWrite;
  readonly landed: ((repo: GitRepository, commit: IndexedCommit) => Promise<void>) | null;
  /** Reads of stored documents for the outcome's diffs, within the request's read budget. */
  readonly blobs: BlobSource;
}
