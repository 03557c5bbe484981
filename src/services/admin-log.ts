import type { Role } from '../domain/access.js';
import { ADMIN_LOG_BRANCH, type AdminAction } from '../domain/admin-log.js';
import { InvalidInputError } from '../domain/errors.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { inTimeRange } from './history.js';
import type { Logger } from './logger.js';
import { type Page, pageSize, refuseBackward } from './pagination.js';
import { type VersionView, viewOf } from './version-view.js';
import type { WritePipeline } from './write-pipeline.js';

/**
 * Commits one page of the admin log reads at most: a filter matching nothing in a long log answers a short page
 * (with hasNextPage) rather than reading it all on the event loop.
 */
export const MAX_ADMIN_LOG_SCAN = 2_000;

export interface AdminRecord {
  readonly action: AdminAction;
  /** The file the record keeps for the tag or webhook. */
  readonly path: string;
  /**
   * What the file holds now, read inside the log's write lock: the state after the change (null once it is gone), so
   * two changes recorded in the other order still leave the tree as things are, never a state that did not exist.
   */
  readonly content: (repo: GitRepository) => Promise<string | null>;
  readonly comment: string;
}

export interface AdminLogFilter {
  readonly action: AdminAction;
  readonly since?: Date | null;
  readonly until?: Date | null;
  readonly path?: string | null;
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
}

/**
 * The namespace's record of its tag and webhook changes (domain/admin-log.ts): written through the write pipeline
 * like every commit, read by the audit log when asked for those actions.
 */
export class AdminLog {
  constructor(
    private readonly pipeline: WritePipeline,
    private readonly logger: Logger,
  ) {}

  /**
   * Records a change already made; `role` is what the change itself needed, so recording asks no more of the actor.
   * The change stands whatever happens here (a webhook's new secret must reach its caller): a record that cannot be
   * written is logged as an error with what it would have said, never reported as the change failing.
   */
  async record(actor: Actor, namespace: string, role: Role, record: AdminRecord): Promise<void> {
    try {
      await this.pipeline.write({
        actor,
        target: this.pipeline.targets.adminLog(namespace, role),
        options: { expectedVersion: null, comment: record.comment },
        request: { operation: `admin-log:${record.action}`, payload: [record.path] },
        plan: async (repo) => ({ action: record.action, files: new Map([[record.path, await record.content(repo)]]) }),
      });
    } catch (error) {
      this.logger.error(
        { err: error, namespace, action: record.action, path: record.path, operator: actor.operator.email, comment: record.comment },
        "a tag or webhook change was made but could not be recorded on the namespace's admin log",
      );
    }
  }
}

/**
 * The records of one action, newest first, from the branch's tip down: a cursor names the last record a page
 * showed, so records landing meanwhile never shift a page.
 */
export async function adminLogEntries(repo: GitRepository, filter: AdminLogFilter, matches: (view: VersionView) => boolean): Promise<Page<VersionView>> {
  refuseBackward(filter);
  const size = pageSize(filter.first);
  const from = filter.after ? await parentOfCursor(repo, filter.after) : await repo.readRef(ADMIN_LOG_BRANCH);
  const log = from ? await repo.branchLog(ADMIN_LOG_BRANCH, MAX_ADMIN_LOG_SCAN, from) : [];
  const edges: { node: VersionView; cursor: string }[] = [];
  for (const logged of log) {
    if (logged.trailers?.action !== filter.action) continue;
    const view = viewOf(repo, await repo.describe(logged.oid));
    if (!inTimeRange(view.commit, filter.since, filter.until) || (filter.path && !view.commit.changes.some((c) => c.path === filter.path)) || !matches(view))
      continue;
    if (edges.length === size) return page(edges, true, filter);
    edges.push({ node: view, cursor: encodeRecordCursor(logged.oid) });
  }
  const scanCut = log.length === MAX_ADMIN_LOG_SCAN;
  // Cut short by the scan budget: the next page goes on below the last record read, matched or not.
  const last = log.at(-1);
  return page(edges, scanCut, filter, scanCut && last ? encodeRecordCursor(last.oid) : undefined);
}

function page(edges: { node: VersionView; cursor: string }[], hasNextPage: boolean, filter: AdminLogFilter, endCursor?: string): Page<VersionView> {
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage: !!filter.after, startCursor: edges[0]?.cursor ?? null, endCursor: endCursor ?? edges.at(-1)?.cursor ?? null },
  };
}

function encodeRecordCursor(oid: string): string {
  return Buffer.from(`record:${oid}`).toString('base64url');
}

async function parentOfCursor(repo: GitRepository, cursor: string): Promise<string | null> {
  const match = /^record:([0-9a-f]{40})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match?.[1]) throw new InvalidInputError(`invalid cursor '${cursor}'`);
  try {
    return (await repo.describe(match[1])).parents[0] ?? null;
  } catch {
    throw new InvalidInputError(`invalid cursor '${cursor}'`);
  }
}
