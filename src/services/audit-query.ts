import { isAdminAction } from '../domain/admin-log.js';
import { type ChangeSubject, subjectsOf } from '../domain/change-subject.js';
import type { CommitAction } from '../domain/commit-message.js';
import { InvalidInputError } from '../domain/errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { adminLogEntries } from './admin-log.js';
import { type VersionFilter, inTimeRange, listVersions } from './history.js';
import type { NamespaceAccess } from './namespace-access.js';
import { type Page, descendingBelow, pageNewestFirst } from './pagination.js';
import { listProposals } from './proposal-log.js';
import { type VersionView, viewOf } from './version-view.js';

export interface AuditFilter extends VersionFilter {
  /** A part of the operator's name or email, case-insensitively (`ada` finds Ada Admin <ada@example.com>). */
  readonly operator?: string | null;
  readonly action?: CommitAction | null;
  /** Only this version (any ref form). */
  readonly version?: string | null;
  /** Only changes touching this kind of file: the policy, environments, schemas, overlays, documents. */
  readonly subject?: ChangeSubject | null;
}

/** Actions recorded on proposal branches rather than on main (a merge is on main). */
const BRANCH_ACTIONS: ReadonlySet<CommitAction> = new Set(['propose', 'approve', 'reject', 'comment']);

/** Who changed what, when, from where and why: read from the commit trailers through the index. */
export class AuditQuery {
  constructor(private readonly access: NamespaceAccess) {}

  async entries(actor: Actor, namespace: string, filter: AuditFilter): Promise<Page<VersionView>> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const operator = filter.operator?.toLowerCase() ?? null;
    if (filter.action && BRANCH_ACTIONS.has(filter.action)) return proposalEntries(repo, filter, operator);
    if (isAdminAction(filter.action)) {
      if (filter.version) throw new InvalidInputError('tag and webhook records are not versions of main: filter them by time, path or operator');
      return adminLogEntries(repo, { ...filter, action: filter.action }, (v) => matchesOperator(v.commit, operator));
    }
    const only = filter.version ? (repo.mainCommit(await repo.resolve(filter.version))?.seq ?? -1) : null;
    return listVersions(repo, filter, {
      only,
      matches: (commit) =>
        matchesOperator(commit, operator) &&
        (!filter.action || commit.trailers?.action === filter.action) &&
        (!filter.subject || subjectsOf(commit.changes.map((c) => c.path)).includes(filter.subject)),
    });
  }
}

/**
 * Proposals, approvals and rejections live on the proposal branches, so main's history (and the feed's sequence
 * numbers) stay untouched: asking the audit for one of those actions reads the branches instead, newest first.
 * Cursors count those commits oldest first, so a page stays stable while reviews land.
 */
async function proposalEntries(repo: GitRepository, filter: AuditFilter, operator: string | null): Promise<Page<VersionView>> {
  const proposals = (await listProposals(repo)).reverse();
  // A review counts for the documents of its proposal; the sort is stable, so reviews of one second keep their order.
  const entries = proposals
    .flatMap((p) => [p.change, ...p.reviews.map((r) => r.commit)].map((commit) => ({ commit, paths: p.changes.map((c) => c.path) })))
    .filter((e) => e.commit.trailers?.action === filter.action && (!filter.path || e.paths.includes(filter.path)))
    .sort((a, b) => a.commit.committer.timestamp - b.commit.committer.timestamp);
  const version = filter.version ? await repo.resolve(filter.version) : null;
  return pageNewestFirst(
    (below) => descendingBelow(entries.length, below),
    (i) => {
      const entry = entries[i];
      return entry ? viewOf(repo, entry.commit) : undefined;
    },
    filter,
    (v) => inTimeRange(v.commit, filter.since, filter.until) && matchesOperator(v.commit, operator) && (!version || v.commit.oid === version),
  );
}

function matchesOperator(commit: IndexedCommit, operator: string | null): boolean {
  return operator === null || commit.author.name.toLowerCase().includes(operator) || commit.author.email.toLowerCase().includes(operator);
}
