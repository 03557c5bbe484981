import type { CommitAction } from '../domain/commit-message.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { Actor } from './actor.js';
import { type VersionFilter, listVersions } from './history.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { Page } from './pagination.js';
import type { VersionView } from './version-view.js';

export interface AuditFilter extends VersionFilter {
  /** Matches the operator's name or email, case-insensitively. */
  readonly operator?: string | null;
  readonly action?: CommitAction | null;
  /** Only this version (any ref form). */
  readonly version?: string | null;
}

/** Who changed what, when, from where and why: read from the commit trailers through the index. */
export class AuditQuery {
  constructor(private readonly access: NamespaceAccess) {}

  async entries(actor: Actor, namespace: string, filter: AuditFilter): Promise<Page<VersionView>> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const only = filter.version ? (repo.index.get(await repo.resolver.resolve(filter.version))?.seq ?? -1) : null;
    const operator = filter.operator?.toLowerCase() ?? null;
    return listVersions(repo, filter, {
      only,
      matches: (commit) => matchesOperator(commit, operator) && (!filter.action || commit.trailers?.action === filter.action),
    });
  }
}

function matchesOperator(commit: IndexedCommit, operator: string | null): boolean {
  return operator === null || commit.author.name.toLowerCase() === operator || commit.author.email.toLowerCase() === operator;
}
