import { environmentOfBranch } from '../domain/environment.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { EnvironmentEvents } from './environment-events.js';
import type { Logger } from './logger.js';
import { forgetReleaseLog, releaseLog } from './release-log.js';
import type { RolloutService } from './rollouts.js';

/**
 * Releases and rollout steps another replica committed reach this one by a pull of its release branch: the cached
 * release log is dropped, the environment's subscribers hear of the newest commit, and the rollout driver (should
 * this replica hold its lease, now or later) watches the environment. What this replica commits itself is told by
 * the use cases that commit it.
 */
export function followReplicatedReleases(store: RepositoryStore, events: EnvironmentEvents, rollouts: RolloutService, logger: Logger): void {
  store.onRefMove((repo, ref, oid, origin) => {
    const environment = environmentOfBranch(ref);
    if (environment === null) return;
    // Whatever moved it, before anyone woken by the move reads the log (a long-poll waiting on a release).
    forgetReleaseLog(repo, environment);
    if (origin !== 'sync' || oid === null) return;
    rollouts.watch(repo.name, environment);
    releaseLog(repo, environment, 1)
      .then(([newest]) => {
        const kind = newest?.trailers?.action;
        if (newest && (kind === 'release' || kind === 'rollout')) events.publish({ kind, namespace: repo.name, environment, commit: newest.oid });
      })
      .catch((error: unknown) => logger.warn({ err: error, namespace: repo.name, environment }, 'could not read a release pulled from another replica'));
  });
}
