import { NotFoundError, VersionConflictError } from '../../domain/errors.js';
import { proposalBranch } from '../../domain/proposal.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../../git/repository.js';
import type { Actor } from '../actor.js';
import type { NamespaceAccess } from '../namespace-access.js';
import type { TargetRules, WriteTarget } from '../write-target.js';

/**
 * A review of a change request: an empty commit on `refs/heads/proposals/<id>`, authored by the reviewer, on the
 * branch's tip. The branch moves only if it still points there. Reviewers are named by the policy, not by a role,
 * so the namespace opens for viewers; the use case checks the reviewer.
 */
export class ReviewTarget implements WriteTarget {
  readonly rules: TargetRules = { expectedVersion: 'none', validateDocuments: false, checks: false, unchanged: 'commit' };
  readonly label: string;
  private readonly ref: string;

  constructor(
    private readonly access: NamespaceAccess,
    private readonly namespace: string,
    private readonly id: string,
  ) {
    this.label = `proposals/${id}`;
    this.ref = proposalBranch(id);
  }

  open(actor: Actor): Promise<GitRepository> {
    return this.access.open(actor, this.namespace, 'viewer');
  }

  async base(repo: GitRepository): Promise<IndexedCommit | null> {
    const tip = await repo.readRef(this.ref);
    if (!tip) throw new NotFoundError('proposal', this.id);
    return repo.describe(tip);
  }

  async land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
    return repo.describe(await repo.commitToBranch(this.ref, commit.parent, commit));
  }

  contention(_repo: GitRepository, expected: string | null): Error {
    return new VersionConflictError(expected, null, []);
  }
}
