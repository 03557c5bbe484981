import { InvalidRefError } from '../domain/errors.js';
import { RemoteMovedError } from '../git/remote.js';
import type { GitRepository } from '../git/repository.js';
import { gitFailure } from './git-failure.js';

/** Pushes lost to other replicas before a write gives up. */
const MAX_REMOTE_ATTEMPTS = 8;

/**
 * Runs `attempt` (inside the repository's write lock) until it is not refused for a stale view of the shared
 * remote. A push refused because another replica wrote first is not an answer yet: pull what it wrote and run the
 * write again, so every check sees the real latest history. A version this replica has not seen yet is pulled for
 * the same reason, once. Without a remote, `attempt` runs once.
 */
export async function withRemoteRetry<T>(repo: GitRepository, attempt: () => Promise<T>, giveUp: () => Error): Promise<T> {
  for (let round = 1; ; round += 1) {
    try {
      return await attempt();
    } catch (error) {
      const stale = error instanceof RemoteMovedError || (error instanceof InvalidRefError && error.reason === 'unknown' && round === 1);
      if (!repo.upstream || !stale) throw error;
      if (round >= MAX_REMOTE_ATTEMPTS) throw giveUp();
      try {
        await repo.pull();
      } catch (pullError) {
        throw gitFailure(pullError);
      }
    }
  }
}
