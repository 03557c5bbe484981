import type { Role } from '../../domain/access.js';
import { VersionConflictError } from '../../domain/errors.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import type { CommitRequest, GitRepository } from '../../git/repository.js';
import type { Actor } from '../actor.js';
import type { NamespaceAccess } from '../namespace-access.js';
import type { TargetRules, WriteTarget } from '../write-target.js';

/** A namespace's main: the configuration it serves. Every stage applies; its commits feed the change feed and webhooks. */
export class MainTarget implements WriteTarget {
  readonly label = 'main';
  readonly rules: TargetRules = { expectedVersion: 'documents', validateDocuments: true, checks: true, unchanged: 'unchanged' };

  constructor(
    private readonly access: NamespaceAccess,
    private readonly namespace: string,
    private readonly role: Role,
  ) {}

  open(actor: Actor): Promise<GitRepository> {
    return this.access.open(actor, this.namespace, this.role);
  }

  base(repo: GitRepository): Promise<IndexedCommit | null> {
    return Promise.resolve(repo.head());
  }

  land(repo: GitRepository, commit: CommitRequest): Promise<IndexedCommit> {
    return repo.commit(commit);
  }

  contention(repo: GitRepository, expected: string | null): Error {
    return new VersionConflictError(expected, repo.head()?.oid ?? null, []);
  }
}
