import { InvalidInputError, InvalidRefError } from '../domain/errors.js';
import { isNullVersion } from '../domain/null-version.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';
import { LOG_LENGTH, releaseLog } from './release-log.js';

/**
 * Where a subscriber of an environment's releases is: the last release or rollout commit it was told of. Each call
 * reads the branch from its tip back to there, so a notification lost, coalesced or repeated (a pull bringing three
 * steps at once) can never skip or repeat a commit: the branch is the truth, as main's index is the change feed's.
 */
export class ReleaseCursor {
  private constructor(
    private readonly repo: GitRepository,
    private readonly environment: string,
    /** null: before the environment's first release. */
    private last: string | null,
  ) {}

  /**
   * A cursor at `since`: a commit of the environment's branch among its recent ones (INVALID_REF otherwise), or
   * forty zeros for "before the first release" while the branch's whole history is within reach.
   */
  static async at(repo: GitRepository, environment: string, since: string): Promise<ReleaseCursor> {
    const log = await releaseLog(repo, environment, Number.POSITIVE_INFINITY);
    if (isNullVersion(since)) {
      if (log.length >= LOG_LENGTH) throw new InvalidInputError(`${environment} has more releases than a replay reaches: give a recent release as since`);
      return new ReleaseCursor(repo, environment, null);
    }
    const oid = await repo.resolve(since).catch(() => since);
    if (!log.some((c) => c.oid === oid)) throw new InvalidRefError(since, 'unknown');
    return new ReleaseCursor(repo, environment, oid);
  }

  /** The commits after the last one told, oldest first; the cursor moves past them. */
  async next(): Promise<LoggedCommit[]> {
    const log = await releaseLog(this.repo, this.environment, Number.POSITIVE_INFINITY);
    const at = this.last === null ? log.length : log.findIndex((c) => c.oid === this.last);
    // The subscriber fell further behind than a read reaches (over a hundred releases): it must start again.
    if (at === -1) throw new InvalidInputError(`the releases of ${this.environment} moved on too far for this subscription to follow; subscribe again`);
    const fresh = log.slice(0, at).reverse();
    const newest = fresh.at(-1);
    if (newest) this.last = newest.oid;
    return fresh;
  }
}
