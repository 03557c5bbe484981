import type { IndexedCommit } from '../../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../../git/repository.js';
import type { Actor } from '../actor.js';
import type { TargetRules, WriteTarget } from '../write-target.js';

/**
 * Main, for writes made one after another inside one hold of the write lock (a batch of imported commits, see
 * WriteTargets.mainBatch): every rule and stage is main's; only landing differs, each commit joining the batch
 * that GitRepository.batchCommits writes to disk at once (the batch holds the write lock throughout).
 */
export class MainBatchTarget implements WriteTarget {
  readonly label = 'main';
  readonly rules: TargetRules;

  constructor(
    private readonly main: WriteTarget,
    private readonly commit: (request: CommitRequest) => Promise<IndexedCommit>,
  ) {
    this.rules = main.rules;
  }

  open(actor: Actor): Promise<GitRepository> {
    return this.main.open(actor);
  }

  base(repo: GitRepository): Promise<IndexedCommit | null> {
    return this.main.base(repo);
  }

  land(_repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
    return this.commit(commit);
  }

  contention(repo: GitRepository, expected: string | null): Error {
    return this.main.contention(repo, expected);
  }

  /** The batch holds the write lock already. */
  serialize<T>(_repo: GitRepository, write: () => Promise<T>): Promise<T> {
    return write();
  }
}
