import { releaseBranch } from '../domain/environment.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';

/**
 * How far back an environment's releases are looked at: a retried release finds the commit its request id made
 * (the releases between a client's first try and its last retry are far fewer), a version released there is found.
 */
export const RELEASE_REPLAY_WINDOW = 100;

interface CachedLog {
  readonly tip: string | null;
  readonly log: readonly LoggedCommit[];
  /** When the ref was last read, ms. */
  readonly checkedAt: number;
}

/**
 * How long a log read is trusted without reading the branch's ref again. Cairn's own releases and rollout steps
 * drop it at once (`forgetReleaseLog`); this bounds how long a branch moved by git itself goes unseen.
 */
const RECHECK_MS = 1000;

/**
 * The last log read per environment: every instance asks for its desired version and reports, a thousand times a
 * second across a fleet, and each answer needs the environment's releases.
 */
const cache = new WeakMap<GitRepository, Map<string, CachedLog>>();

/** Called when Cairn moved the environment's branch: the next read reads it again. */
export function forgetReleaseLog(repo: GitRepository, environment: string): void {
  cache.get(repo)?.delete(environment);
}

/**
 * An environment's newest `limit` releases and rollout transitions (at most RELEASE_REPLAY_WINDOW + 1), newest first.
 * Its first release has the version it released as its only parent, so the branch's first-parent history goes on into
 * main's: the releases end where it does.
 */
export async function releaseLog(repo: GitRepository, environment: string, limit: number): Promise<readonly LoggedCommit[]> {
  let perRepo = cache.get(repo);
  if (!perRepo) {
    perRepo = new Map();
    cache.set(repo, perRepo);
  }
  const now = Date.now();
  let cached = perRepo.get(environment);
  if (!cached || now - cached.checkedAt >= RECHECK_MS) {
    const tip = await repo.readRef(releaseBranch(environment));
    if (cached?.tip === tip) cached = { ...cached, checkedAt: now };
    else {
      const log = tip ? await repo.branchLog(releaseBranch(environment), RELEASE_REPLAY_WINDOW + 1) : [];
      const end = log.findIndex((c) => !isBranchAction(c.trailers?.action) || c.trailers?.environment !== environment);
      cached = { tip, log: end === -1 ? log : log.slice(0, end), checkedAt: now };
    }
    perRepo.set(environment, cached);
  }
  return limit >= cached.log.length ? cached.log : cached.log.slice(0, limit);
}

function isBranchAction(action: string | undefined): boolean {
  return action === 'release' || action === 'rollout';
}
