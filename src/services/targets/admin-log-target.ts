import type { Role } from '../../domain/access.js';
import { ADMIN_LOG_BRANCH } from '../../domain/admin-log.js';
import { StorageError } from '../../domain/errors.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../../git/repository.js';
import type { Actor } from '../actor.js';
import type { NamespaceAccess } from '../namespace-access.js';
import type { TargetRules, WriteTarget } from '../write-target.js';

/**
 * A namespace's admin log (domain/admin-log.ts): each commit records one tag or webhook change, built on the
 * branch's tip. Nothing on it is served, so it has no expected version and no checks; a record that changes no file
 * (a rotated webhook secret, which is never recorded) still lands, since the change happened.
 */
export class AdminLogTarget implements WriteTarget {
  readonly label = 'admin-log';
  readonly rules: TargetRules = { expectedVersion: 'none', validateDocuments: false, checks: false, unchanged: 'commit' };

  constructor(
    private readonly access: NamespaceAccess,
    private readonly namespace: string,
    private readonly role: Role,
  ) {}

  open(actor: Actor): Promise<GitRepository> {
    return this.access.open(actor, this.namespace, this.role);
  }

  async base(repo: GitRepository): Promise<IndexedCommit | null> {
    const tip = await repo.readRef(ADMIN_LOG_BRANCH);
    return tip ? repo.describe(tip) : null;
  }

  async land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
    return repo.describe(await repo.commitToBranch(ADMIN_LOG_BRANCH, commit.parent, commit));
  }

  contention(): Error {
    return new StorageError('contention', "other replicas kept recording changes to this namespace's admin log; try again");
  }
}
