import type { Role } from '../domain/access.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';
import { AdminLogTarget } from './targets/admin-log-target.js';
import { MainBatchTarget } from './targets/main-batch-target.js';
import { MainTarget } from './targets/main-target.js';
import { ProposalTarget, RELEASE_PROPOSAL } from './targets/proposal-target.js';
import { ReleaseTarget } from './targets/release-target.js';
import { ReviewTarget } from './targets/review-target.js';
import { SystemTarget } from './targets/system-target.js';
import type { WriteTarget } from './write-target.js';

/** Every kind of commit Cairn makes, by where it lands; a new kind registers its factory here. */
export class WriteTargets {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly store: RepositoryStore,
  ) {}

  /** A namespace's main, opened for `role` (editor for edits, admin for imports and governed rollbacks). */
  main(namespace: string, role: Role = 'editor'): WriteTarget {
    return new MainTarget(this.access, namespace, role);
  }

  /**
   * Runs `task` with a target on main whose writes all happen inside one hold of the namespace's write lock (a batch
   * of a history import): each commit is made in memory without waiting for the disk, and once `task` ends the batch
   * lands as one unit (one pack, main moves once; see GitRepository.batchCommits), whatever group commit's setting;
   * the hold answers once it is durable. With an upstream (each commit pushed first) they are written one by one.
   */
  async mainBatch<T>(actor: Actor, namespace: string, role: Role, task: (target: WriteTarget) => Promise<T>): Promise<T> {
    const main = this.main(namespace, role);
    const repo = await main.open(actor);
    return repo.exclusive(() => repo.batchCommits(() => task(new MainBatchTarget(main, (request) => repo.commit(request)))));
  }

  /** A new change request's branch. */
  proposal(namespace: string, id: string): WriteTarget {
    return new ProposalTarget(this.access, namespace, id);
  }

  /** A new change request proposing a release (its reviews and merge as for any change request). */
  releaseProposal(namespace: string, id: string): WriteTarget {
    return new ProposalTarget(this.access, namespace, id, RELEASE_PROPOSAL);
  }

  /** A review on an open change request's branch. */
  review(namespace: string, id: string): WriteTarget {
    return new ReviewTarget(this.access, namespace, id);
  }

  /** A release on an environment's branch. */
  release(namespace: string, environment: string): WriteTarget {
    return new ReleaseTarget(this.access, namespace, environment, 'release');
  }

  /** A step (pause, completion) of the rollout on an environment's branch. */
  rolloutStep(namespace: string, environment: string): WriteTarget {
    return new ReleaseTarget(this.access, namespace, environment, 'tip');
  }

  /** A namespace's admin log (tags, webhooks), written by whoever the change it records needed. */
  adminLog(namespace: string, role: Role): WriteTarget {
    return new AdminLogTarget(this.access, namespace, role);
  }

  /** The system repository. */
  system(): WriteTarget {
    return new SystemTarget(this.store);
  }
}
