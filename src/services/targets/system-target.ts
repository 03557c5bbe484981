import { StorageError } from '../../domain/errors.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../../git/repository.js';
import type { RepositoryStore } from '../../git/repository-store.js';
import type { TargetRules, WriteTarget } from '../write-target.js';

/**
 * The system repository (`.cairn.git`): Cairn's own records, such as webhook definitions and service tokens. It has no namespace and no
 * served documents, so no role opens it: the use case authorizes against the namespace a record belongs to.
 */
export class SystemTarget implements WriteTarget {
  readonly label = 'system';
  readonly rules: TargetRules = { expectedVersion: 'none', validateDocuments: false, checks: false, unchanged: 'unchanged' };

  constructor(private readonly store: RepositoryStore) {}

  open(): Promise<GitRepository> {
    return this.store.system();
  }

  base(repo: GitRepository): Promise<IndexedCommit | null> {
    return Promise.resolve(repo.head());
  }

  land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
    return repo.commit(commit);
  }

  contention(): Error {
    return new StorageError(
      'contention',
      'other replicas kept changing webhook definitions or service tokens at the same time; nothing was committed, try again',
    );
  }
}
