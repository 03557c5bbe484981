import type { CommitAction } from '../domain/commit-message.js';
import { validateDocumentPath } from '../domain/document-path.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { Actor } from './actor.js';
import { inTimeRange } from './history.js';
import type { NamespaceAccess } from './namespace-access.js';
import { type Page, type PageArgs, descendingBelow, pageNewestFirst, reversedBelow } from './pagination.js';
import { type VersionView, viewOf } from './version-view.js';

export interface AuditFilter extends PageArgs {
  /** Matches the operator's name or email, case-insensitively. */
  readonly operator?: string | null;
  readonly action?: CommitAction | null;
  readonly since?: Date | null;
  readonly until?: Date | null;
  readonly path?: string | null;
  /** Only this version (any ref form). */
  readonly version?: string | null;
}

/** Who changed what, when, from where and why: read from the commit trailers through the index. */
export class AuditQuery {
  constructor(private readonly access: NamespaceAccess) {}

  async entries(actor: Actor, namespace: string, filter: AuditFilter): Promise<Page<VersionView>> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const path = filter.path ? validateDocumentPath(filter.path) : null;
    const only = filter.version ? await repo.resolver.resolve(filter.version) : null;
    const onlySeq = only ? (repo.index.get(only)?.seq ?? -1) : null;
    const candidates = (below: number): Iterable<number> => {
      if (onlySeq !== null) return onlySeq >= 0 && onlySeq < below ? [onlySeq] : [];
      return path ? reversedBelow(repo.index.historyOf(path), below) : descendingBelow(repo.index.size, below);
    };
    const operator = filter.operator?.toLowerCase() ?? null;
    return pageNewestFirst(
      candidates,
      (seq) => {
        const commit = repo.index.at(seq);
        return commit ? viewOf(repo, commit) : undefined;
      },
      filter,
      ({ commit }) => matchesOperator(commit, operator) && (!filter.action || commit.trailers?.action === filter.action) && inTimeRange(commit, filter.since, filter.until),
    );
  }
}

function matchesOperator(commit: IndexedCommit, operator: string | null): boolean {
  return operator === null || commit.author.name.toLowerCase() === operator || commit.author.email.toLowerCase() === operator;
}
