import type { CommitTrailers } from './commit-message.js';
import { type InstanceIdentity, isCanary, rolloutBucket } from './rollout-assignment.js';
import { type RolloutStep, type RolloutStrategy, parseStrategy, rolloutSteps } from './rollout-strategy.js';

export type RolloutPhase = 'progressing' | 'paused' | 'completed';

/** A commit of an environment's branch as the rollout reads it. */
export interface BranchEntry {
  readonly oid: string;
  /** Committer time, seconds. */
  readonly time: number;
  readonly trailers: CommitTrailers | null;
}

/** Where a release's rollout is, derived from the branch alone, so a restart or another server reads the same. */
export interface RolloutState {
  /** The release commit the rollout belongs to. */
  readonly release: string;
  /** The version of main it releases. */
  readonly version: string;
  /** The version the instances it has not reached keep: what the environment ran before. */
  readonly stable: string | null;
  readonly strategy: RolloutStrategy;
  readonly steps: readonly RolloutStep[];
  readonly stepIndex: number;
  readonly phase: RolloutPhase;
  /** When the current step (or pause) began, seconds: a step's bake counts from here. */
  readonly since: number;
  /** When the release was made, seconds: failures count from here. */
  readonly startedAt: number;
  /** The branch's newest commit the state was read from: a transition decided on it must build on it. */
  readonly tip: string;
  /** Rollout commits since the release (steps, pauses, resumes). */
  readonly transitions: number;
  /** When each step reached so far began, seconds (the release's time for the first). */
  readonly stepStartedAt: readonly number[];
  /** When the version the others keep was released, seconds; null when there is none. */
  readonly stableSince: number | null;
}

/** A version an instance should run, and since when it should: the lag of one that has not applied it counts from there. */
export interface Desired {
  readonly version: string;
  readonly since: number;
}

/**
 * The rollout the branch is in, from its entries (newest first) back past the release that started it, or null when
 * the newest release has no strategy. The entry after that release is its first parent: what ran before.
 */
export function rolloutStateOf(entries: readonly BranchEntry[]): RolloutState | null {
  const at = entries.findIndex((e) => e.trailers?.action === 'release');
  const release = entries[at];
  const previousRelease = entries[at + 1] ?? null;
  const strategy = release?.trailers?.rollout ? parseStrategy(release.trailers.rollout) : null;
  if (!release || !strategy || !release.trailers?.releaseOf) return null;
  const steps = rolloutSteps(strategy);
  const transitions = entries.slice(0, at).filter((e) => e.trailers?.action === 'rollout');
  const latest = transitions[0];
  const step = Number(latest?.trailers?.rolloutStep ?? 0);
  // A step number Cairn did not write (a commit pushed with git) reads as the first step, never as NaN.
  const stepIndex = Number.isInteger(step) && step >= 0 ? Math.min(step, steps.length - 1) : 0;
  const phase = latest ? phaseOf(latest.trailers?.rolloutState) : 'progressing';
  return {
    release: release.oid,
    version: release.trailers.releaseOf,
    stable: previousRelease?.trailers?.releaseOf ?? null,
    strategy,
    steps,
    stepIndex,
    phase,
    since: (latest ?? release).time,
    startedAt: release.time,
    tip: entries[0]!.oid,
    transitions: transitions.length,
    stepStartedAt: stepStarts(release.time, transitions),
    stableSince: previousRelease?.time ?? null,
  };
}

/** The first commit at each step, oldest first (a pause and a resume stay in their step). */
function stepStarts(releasedAt: number, transitions: readonly BranchEntry[]): number[] {
  const starts = [releasedAt];
  for (const entry of [...transitions].reverse()) {
    const step = Number(entry.trailers?.rolloutStep ?? 0);
    if (Number.isInteger(step) && step >= starts.length) for (let k = starts.length; k <= step; k += 1) starts[k] = entry.time;
  }
  return starts;
}

/** What the instance should run in this rollout, and since when: the first step that reached it, or the stable version's release. */
export function desiredIn(state: RolloutState, instance: InstanceIdentity, bucketOf: (id: string, release: string) => number = rolloutBucket): Desired | null {
  // One hash per instance, whatever the number of steps: canaries from the first step, the others by their bucket.
  const bucket = isCanary(instance, state.strategy) ? -1 : bucketOf(instance.id, state.release);
  const reachedAt = state.steps.findIndex((step, k) => k <= state.stepIndex && (bucket === -1 || (!step.canaryOnly && bucket < step.percent * 100)));
  if (reachedAt !== -1) return { version: state.version, since: state.stepStartedAt[reachedAt] ?? state.startedAt };
  return state.stable === null ? null : { version: state.stable, since: state.stableSince ?? state.startedAt };
}

function phaseOf(value: string | null | undefined): RolloutPhase {
  return value === 'paused' || value === 'completed' ? value : 'progressing';
}

/** What comes after the current step once it has baked: the next step, or completion after the last. */
export function nextTransition(state: RolloutState): { stepIndex: number; phase: RolloutPhase } {
  return state.stepIndex + 1 < state.steps.length
    ? { stepIndex: state.stepIndex + 1, phase: 'progressing' }
    : { stepIndex: state.stepIndex, phase: 'completed' };
}

/** Whether the failures seen so far exceed what the strategy tolerates. */
export function failuresExceeded(strategy: RolloutStrategy, failed: number, reached: number): boolean {
  if (failed > strategy.maxFailures) return true;
  return strategy.maxFailureRatio !== null && reached > 0 && failed / reached > strategy.maxFailureRatio;
}
