import { VersionConflictError } from '../../domain/errors.js';
import { proposalBranch } from '../../domain/proposal.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../../git/repository.js';
import type { Actor } from '../actor.js';
import type { NamespaceAccess } from '../namespace-access.js';
import type { TargetRules, WriteTarget } from '../write-target.js';

const CHANGE_PROPOSAL: TargetRules = { expectedVersion: 'documents', validateDocuments: true, checks: false, unchanged: 'refuse' };

/**
 * A proposed release changes no document (its commit has main's tree and names the release in its trailers): it
 * expects no version, and its checks (the environment's promotion order and health) run in its plan.
 */
export const RELEASE_PROPOSAL: TargetRules = { expectedVersion: 'none', validateDocuments: false, checks: false, unchanged: 'commit' };

/**
 * A new change request: a commit on `refs/heads/proposals/<id>`, which must not exist yet, whose parent is main's
 * head. Its documents are validated and its expected version checked as for main; the WriteChecks run when it is
 * merged (a merge is a write to main), since they judge what is served.
 */
export class ProposalTarget implements WriteTarget {
  readonly label: string;

  constructor(
    private readonly access: NamespaceAccess,
    private readonly namespace: string,
    private readonly id: string,
    readonly rules: TargetRules = CHANGE_PROPOSAL,
  ) {
    this.label = `proposals/${id}`;
  }

  open(actor: Actor): Promise<GitRepository> {
    return this.access.open(actor, this.namespace, 'editor');
  }

  base(repo: GitRepository): Promise<IndexedCommit | null> {
    return Promise.resolve(repo.head());
  }

  async land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
    return repo.describe(await repo.commitToBranch(proposalBranch(this.id), null, commit));
  }

  contention(repo: GitRepository, expected: string | null): Error {
    return new VersionConflictError(expected, repo.head()?.oid ?? null, []);
  }
}
