import { InvalidRefError, StorageError } from '../domain/errors.js';
import { RemoteMovedError, RemoteRefusedError, RemoteUnavailableError } from '../git/remote.js';
import type { GitRepository } from '../git/repository.js';

/** Pushes lost to other replicas before a write gives up. */
const MAX_REMOTE_ATTEMPTS = 8;

/** File system failures a client should hear about plainly: the disk, not the request, is at fault. */
const STORAGE_FAILURES = new Set(['ENOSPC', 'EIO', 'EDQUOT', 'EROFS', 'EMFILE', 'ENFILE', 'EACCES', 'EPERM']);

/** The typed failure for an error of the disk or of the shared remote, or null for any other error. */
export function storageFailureOf(error: unknown): StorageError | null {
  if (error instanceof RemoteUnavailableError) return StorageError.remote(error.message);
  if (error instanceof RemoteRefusedError)
    return new StorageError(error.reason, `the shared Git remote refused the commit (${error.reason}); nothing was committed`);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code && STORAGE_FAILURES.has(code)) return new StorageError(`${code}: ${(error as Error).message}`);
  return null;
}

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
        throw storageFailureOf(pullError) ?? pullError;
      }
    }
  }
}
