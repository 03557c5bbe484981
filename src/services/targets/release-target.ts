import { releaseBranch } from '../../domain/environment.js';
import { VersionConflictError } from '../../domain/errors.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../../git/repository.js';
import type { Actor } from '../actor.js';
import type { NamespaceAccess } from '../namespace-access.js';
import { forgetReleaseLog, releaseLog } from '../release-log.js';
import type { TargetRules, WriteTarget } from '../write-target.js';

/**
 * An environment's release branch, `refs/heads/environments/<name>`: each commit is a release (or a step of its
 * rollout), built on the branch's tip, and moves the branch only from it. Its documents were validated and checked
 * when they landed on main. A release is expected by the environment's current release, whatever rollout steps
 * came after it; a rollout step is expected by the tip itself, so two steps decided on the same state never both land.
 */
export class ReleaseTarget implements WriteTarget {
  readonly rules: TargetRules = { expectedVersion: 'base', validateDocuments: false, checks: false, unchanged: 'commit' };
  readonly label: string;
  private readonly branch: string;

  constructor(
    private readonly access: NamespaceAccess,
    private readonly namespace: string,
    private readonly environment: string,
    private readonly expects: 'release' | 'tip',
  ) {
    this.branch = releaseBranch(environment);
    this.label = `environments/${environment}`;
  }

  open(actor: Actor): Promise<GitRepository> {
    return this.access.open(actor, this.namespace, 'editor');
  }

  async base(repo: GitRepository): Promise<IndexedCommit | null> {
    const tip = await repo.readRef(this.branch);
    return tip ? repo.describe(tip) : null;
  }

  async land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
    try {
      return await repo.describe(await repo.commitToBranch(this.branch, commit.parent, commit));
    } finally {
      forgetReleaseLog(repo, this.environment);
    }
  }

  contention(_repo: GitRepository, expected: string | null): Error {
    return new VersionConflictError(expected, null, []);
  }

  async expectedBase(repo: GitRepository, base: IndexedCommit | null): Promise<string | null> {
    if (this.expects === 'tip') return base?.oid ?? null;
    const log = await releaseLog(repo, this.environment, Number.POSITIVE_INFINITY, base?.oid ?? null);
    return log.find((c) => c.trailers?.action === 'release')?.oid ?? null;
  }

  async earlier(repo: GitRepository, requestId: string): Promise<IndexedCommit | undefined> {
    // Under the write lock: from the branch's tip as it is now, not from a read that may predate the last release.
    const tip = await repo.readRef(this.branch);
    const made = (await releaseLog(repo, this.environment, Number.POSITIVE_INFINITY, tip)).find((c) => c.trailers?.requestId === requestId);
    return made ? repo.describe(made.oid) : undefined;
  }
}
