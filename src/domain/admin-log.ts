import type { CommitAction } from './commit-message.js';

/**
 * A namespace's administrative changes that are not commits of main (tags, webhooks) are recorded as commits on
 * this branch of the namespace's repository, so they are in its audit log and `git log admin-log` with the same
 * trailers (who, from where, why) as every other change. Its tree mirrors what exists now: one file per tag and
 * per webhook, which a record adds, changes or removes.
 */
export const ADMIN_LOG_BRANCH = 'refs/heads/admin-log';

export type AdminAction = Extract<CommitAction, 'tag' | 'untag' | 'webhook'>;

export const ADMIN_ACTIONS: ReadonlySet<CommitAction> = new Set<CommitAction>(['tag', 'untag', 'webhook']);

export function isAdminAction(action: CommitAction | null | undefined): action is AdminAction {
  return !!action && ADMIN_ACTIONS.has(action);
}

/** Tag names may hold `/` (`release/1.0`): the file keeps that folder, and `.json` keeps `a` and `a/b` apart. */
export function tagRecordPath(name: string): string {
  return `tags/${name}.json`;
}

export function webhookRecordPath(id: string): string {
  return `webhooks/${id}.json`;
}
