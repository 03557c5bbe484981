import { InvalidPathError, StorageError, VersionConflictError } from '../domain/errors.js';
import { RefMovedError } from '../git/ref-store.js';
import { RemoteRefusedError, RemoteUnavailableError } from '../git/remote.js';
import { PathCollisionError } from '../git/tree-builder.js';

/** File system failures a client should hear about plainly: the disk, not the request, is at fault. */
const STORAGE_FAILURES = new Set(['ENOSPC', 'EIO', 'EDQUOT', 'EROFS', 'EMFILE', 'ENFILE', 'EACCES', 'EPERM']);

/** What a write was about, so that a ref that moved under it can be reported as the version conflict it is. */
export interface WriteAttempt {
  /** The commit the write built on. */
  readonly base: string | null;
  readonly paths: readonly string[];
}

/**
 * The one place a failure of the Git layer becomes a domain error a client can act on: a disk or remote failure
 * is a StorageError, a path Git cannot store is InvalidPath, a ref that moved during a write is a VersionConflict.
 * Anything else is returned as it is (an unexpected error, masked to clients and logged).
 */
export function gitFailure(error: unknown, attempt: WriteAttempt | null = null): unknown {
  if (attempt && error instanceof PathCollisionError) return new InvalidPathError(error.entryName, error.message);
  if (attempt && error instanceof RefMovedError) return new VersionConflictError(attempt.base, error.actual, attempt.paths);
  return storageFailureOf(error) ?? error;
}

/** The typed failure for an error of the disk or of the shared remote, or null for any other error. */
export function storageFailureOf(error: unknown): StorageError | null {
  if (error instanceof RemoteUnavailableError) return StorageError.remote(error.message);
  if (error instanceof RemoteRefusedError)
    return new StorageError(error.reason, `the shared Git remote refused the commit (${error.reason}); nothing was committed`);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code && STORAGE_FAILURES.has(code)) return new StorageError(`${code}: ${(error as Error).message}`);
  return null;
}

/** Awaits `task`, with a Git failure translated (see gitFailure). */
export async function translatingGitFailures<T>(task: Promise<T>, attempt: WriteAttempt | null = null): Promise<T> {
  try {
    return await task;
  } catch (error) {
    throw gitFailure(error, attempt);
  }
}
