import { releaseBranch } from '../domain/environment.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';

/**
 * An environment's newest `limit` releases and rollout transitions, newest first. Its first release has the version it released as its
 * only parent, so the branch's first-parent history goes on into main's: the releases end where it does.
 */
export async function releaseLog(repo: GitRepository, environment: string, limit: number): Promise<LoggedCommit[]> {
  const log = await repo.branchLog(releaseBranch(environment), limit);
  const end = log.findIndex((c) => !isBranchAction(c.trailers?.action) || c.trailers?.environment !== environment);
  return end === -1 ? log : log.slice(0, end);
}

function isBranchAction(action: string | undefined): boolean {
  return action === 'release' || action === 'rollout';
}
