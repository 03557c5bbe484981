import { isAdminAction } from '../domain/admin-log.js';
import { InvalidInputError, TooExpensiveError } from '../domain/errors.js';
import type { Actor } from './actor.js';
import type { AuditFilter, AuditQuery } from './audit-query.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import { type Page, type PageArgs, encodeCursor, pageSize, refuseBackward } from './pagination.js';
import type { VersionView } from './version-view.js';

/** Namespaces one page of the cross-namespace audit reads at most: past it, ask each namespace's own audit. */
export const MAX_AUDITED_NAMESPACES = 1_000;
/**
 * Entries one page across namespaces holds at most: each namespace contributes up to a page, so a page's work is
 * namespaces × this (100,000 entries at the caps), not namespaces × the 500 a single namespace's page may hold.
 */
export const MAX_AUDIT_ACROSS_PAGE = 100;

/** Where a page ended: the last entry's time (seconds), namespace and sequence number. */
interface Position {
  readonly t: number;
  readonly n: string;
  readonly s: number;
}

/**
 * The audit log of every namespace the actor may read, newest first, one page at a time: ordered by time, then
 * namespace name, then each namespace's own order, so pages neither repeat nor skip an entry while commits land.
 * Each namespace is entered where the cursor left off by a binary search on its commits' times, so a page costs a
 * page of each namespace, not its history.
 */
export class AuditAcross {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly audit: AuditQuery,
  ) {}

  async entries(actor: Actor, filter: AuditFilter & PageArgs): Promise<Page<VersionView>> {
    refuseBackward(filter);
    if (filter.version) throw new InvalidInputError('version names one namespace: ask that namespace its audit');
    if (filter.action === 'propose' || filter.action === 'approve' || filter.action === 'reject' || filter.action === 'comment')
      throw new InvalidInputError('proposals and reviews are on each namespace audit (action PROPOSE, APPROVE, REJECT, COMMENT), not across them');
    if (isAdminAction(filter.action))
      throw new InvalidInputError('tag and webhook records are on each namespace audit (action TAG, UNTAG, WEBHOOK), not across them');
    const size = pageSize(filter.first);
    if (size > MAX_AUDIT_ACROSS_PAGE) throw new InvalidInputError(`first is at most ${MAX_AUDIT_ACROSS_PAGE} across namespaces`);
    const after = filter.after ? decodePosition(filter.after) : null;
    const names = await this.access.readable(actor);
    if (names.length > MAX_AUDITED_NAMESPACES) throw new TooExpensiveError('audited namespaces', `at most ${MAX_AUDITED_NAMESPACES} namespaces at once`);
    const found: VersionView[] = [];
    let more = false;
    for (const name of names) {
      const repo = await this.access.open(actor, name, 'viewer');
      const start = after ? startBelow(repo, after) : null;
      if (start === 0) continue;
      const page = await this.audit.entries(actor, name, { ...filter, first: size, after: start === null ? null : encodeCursor(start) });
      found.push(...page.edges.map((e) => e.node));
      more ||= page.pageInfo.hasNextPage;
    }
    found.sort(newestFirst);
    const edges = found.slice(0, size).map((node) => ({ node, cursor: encodePosition(positionOf(node)) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: found.length > size || more,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }
}

/**
 * The sequence number below which this namespace's entries come after `position` in the order: its own position in
 * its namespace; entries of the same second in a namespace listed before it were on earlier pages, after it not yet.
 */
function startBelow(repo: NamespaceReader, position: Position): number {
  if (repo.name === position.n) return position.s;
  const lastSecond = repo.name < position.n ? position.t - 1 : position.t;
  return firstAfterTime(repo, lastSecond);
}

/** The count of main's commits made at or before `second` (commit times grow with the sequence), by binary search. */
function firstAfterTime(repo: NamespaceReader, second: number): number {
  let low = 0;
  let high = repo.versionCount();
  while (low < high) {
    const middle = (low + high) >>> 1;
    const commit = repo.mainCommitAt(middle);
    if (commit && commit.committer.timestamp <= second) low = middle + 1;
    else high = middle;
  }
  return low;
}

function positionOf(view: VersionView): Position {
  return { t: view.commit.committer.timestamp, n: view.namespace.name, s: view.commit.seq };
}

function newestFirst(a: VersionView, b: VersionView): number {
  const [x, y] = [positionOf(a), positionOf(b)];
  return y.t - x.t || (x.n < y.n ? -1 : x.n > y.n ? 1 : 0) || y.s - x.s;
}

function encodePosition(position: Position): string {
  return Buffer.from(`audit:${JSON.stringify(position)}`).toString('base64url');
}

function decodePosition(cursor: string): Position {
  const text = Buffer.from(cursor, 'base64url').toString();
  try {
    if (!text.startsWith('audit:')) throw new Error();
    const value = JSON.parse(text.slice(6)) as Partial<Position>;
    if (typeof value.t === 'number' && typeof value.n === 'string' && typeof value.s === 'number') return { t: value.t, n: value.n, s: value.s };
  } catch {
    // Answered below.
  }
  throw new InvalidInputError(`invalid cursor '${cursor}'`);
}
