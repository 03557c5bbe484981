import { releaseBranch } from '../domain/environment.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';

/**
 * How far back an environment's releases are looked at: a retried release finds the commit its request id made
 * (the releases between a client's first try and its last retry are far fewer), a version released there is found.
 * Rollout commits (steps, pauses) come on top of it: a release's own are capped (MAX_ROLLOUT_COMMITS), so the
 * newest release is always within reach.
 */
export const RELEASE_REPLAY_WINDOW = 100;

/** Rollout commits one release may have: its steps (at most 21), its completion, and pauses and resumes. */
export const MAX_ROLLOUT_COMMITS = 60;

/** Commits one read of a release branch covers: a full read may not reach the first release. */
export const LOG_LENGTH = RELEASE_REPLAY_WINDOW + MAX_ROLLOUT_COMMITS + 1;

interface CachedLog {
  readonly tip: string | null;
  readonly log: readonly LoggedCommit[];
  /** When the ref was last read, ms. */
  readonly checkedAt: number;
}

interface EnvironmentCache {
  entry: CachedLog | null;
  /** The read under way, shared by whoever asks meanwhile (a release wakes a fleet's long-polls at once). */
  reading: { readonly generation: number; readonly log: Promise<readonly LoggedCommit[]> } | null;
  /** Bumped whenever Cairn moves the branch: a read that began before a move must not be kept. */
  generation: number;
}

/**
 * How long a log read is trusted without reading the branch's ref again. Cairn's own releases and rollout steps
 * drop it at once (`forgetReleaseLog`); this bounds how long a branch moved by git itself goes unseen by reads.
 * Writes never trust it: under the write lock the log is read from the tip the write builds on.
 */
const RECHECK_MS = 1000;

/**
 * The last log read per environment: every instance asks for its desired version and reports, a thousand times a
 * second across a fleet, and each answer needs the environment's releases.
 */
const cache = new WeakMap<GitRepository, Map<string, EnvironmentCache>>();

function cacheOf(repo: GitRepository, environment: string): EnvironmentCache {
  let perRepo = cache.get(repo);
  if (!perRepo) {
    perRepo = new Map();
    cache.set(repo, perRepo);
  }
  let entry = perRepo.get(environment);
  if (!entry) {
    entry = { entry: null, reading: null, generation: 0 };
    perRepo.set(environment, entry);
  }
  return entry;
}

/** Called when Cairn moved the environment's branch: the next read reads it again. */
export function forgetReleaseLog(repo: GitRepository, environment: string): void {
  const entry = cacheOf(repo, environment);
  entry.entry = null;
  entry.generation += 1;
}

/**
 * An environment's newest `limit` releases and rollout commits, newest first. Its first release has the version it
 * released as its only parent, so the branch's first-parent history goes on into main's: the releases end where it
 * does. `tip`: read from this commit (the base a write holds under the lock), never from a cached read of another.
 */
export async function releaseLog(repo: GitRepository, environment: string, limit: number, tip?: string | null): Promise<readonly LoggedCommit[]> {
  const state = cacheOf(repo, environment);
  const now = Date.now();
  const cached = state.entry;
  const fresh = tip === undefined ? cached && now - cached.checkedAt < RECHECK_MS : cached && cached.tip === tip;
  if (fresh && cached) return upTo(cached.log, limit);
  if (tip !== undefined) return upTo(await readFrom(repo, environment, tip, cached), limit);
  if (state.reading?.generation === state.generation) return upTo(await state.reading.log, limit);
  const generation = state.generation;
  const reading = (async () => {
    const current = await repo.readRef(releaseBranch(environment));
    const log = await readFrom(repo, environment, current, cached);
    // Kept only if nothing moved the branch meanwhile (a release landing during this read): else the next read reads.
    if (state.generation === generation) state.entry = { tip: current, log, checkedAt: now };
    return log;
  })();
  state.reading = { generation, log: reading };
  const done = (): void => {
    if (state.reading?.log === reading) state.reading = null;
  };
  reading.then(done, done);
  return upTo(await reading, limit);
}

/** The log from `current` (null: the branch has none), reusing `cached` when it was read at the same tip. */
async function readFrom(repo: GitRepository, environment: string, current: string | null, cached: CachedLog | null): Promise<readonly LoggedCommit[]> {
  if (cached?.tip === current) return cached.log;
  const read = current ? await repo.branchLog(releaseBranch(environment), LOG_LENGTH, current) : [];
  const end = read.findIndex((c) => !isBranchAction(c.trailers?.action) || c.trailers?.environment !== environment);
  return end === -1 ? read : read.slice(0, end);
}

function upTo(log: readonly LoggedCommit[], limit: number): readonly LoggedCommit[] {
  return limit >= log.length ? log : log.slice(0, limit);
}

function isBranchAction(action: string | undefined): boolean {
  return action === 'release' || action === 'rollout';
}
