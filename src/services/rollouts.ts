import { validateEnvironmentName } from '../domain/environment.js';
import { InvalidInputError, VersionConflictError } from '../domain/errors.js';
import type { InstanceIdentity } from '../domain/rollout-assignment.js';
import { type Desired, type RolloutPhase, type RolloutState, desiredIn, failuresExceeded, nextTransition, rolloutStateOf } from '../domain/rollout-state.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';
import type { Actor } from './actor.js';
import { currentRelease, definitionsAt, planRelease } from './environments.js';
import type { EnvironmentEvents } from './environment-events.js';
import type { InstanceRecord, InstanceRegistry } from './instance-registry.js';
import type { NamespaceAccess } from './namespace-access.js';
import { MAX_ROLLOUT_COMMITS, releaseLog } from './release-log.js';
import { RolloutBuckets } from './rollout-buckets.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';

/** A rollout as the API shows it: its state, and the instances of its environment as they report. */
export interface RolloutView {
  readonly state: RolloutState;
  readonly instances: readonly InstanceRecord[];
  /** Seconds the current step has left to bake (0 once baked; null while paused or complete). */
  readonly bakeLeft: number | null;
  readonly reached: number;
  readonly failed: readonly string[];
}

export type RolloutCommand = 'pause' | 'resume' | 'promote' | 'abort';

export interface RolloutCommandRequest {
  readonly namespace: string;
  readonly environment: string;
  readonly comment?: string | null;
}

/**
 * Progressive rollouts. A release with a strategy starts one; its state lives in Git (the release and its rollout
 * commits, see rollout-state.ts) and in the instances' reports, so a restart resumes it where it was. `tick` moves
 * every rollout on: a step that has baked leads to the next, too many failures to an automatic rollback (a release
 * of the version the environment ran before). Each transition is a write through the pipeline, expected to build
 * on the commit it was decided from: a pause racing a step transition makes one of them a VersionConflict, never both.
 */
export class RolloutService {
  /**
   * Environments whose newest release may still be rolling out, `namespace\0environment`, each with a count that
   * `watch` bumps: a tick that read a finished rollout stops watching only if no new one was started meanwhile.
   */
  private readonly active = new Map<string, number>();

  constructor(
    private readonly access: NamespaceAccess,
    private readonly pipeline: WritePipeline,
    private readonly instances: InstanceRegistry,
    private readonly driver: Actor,
    private readonly clock: () => number,
    private readonly events: EnvironmentEvents,
    /** What the driver could not do (a namespace gone, nothing to roll back to): logged, and tried again next tick. */
    private readonly onError: (error: unknown, namespace: string, environment: string) => void = () => undefined,
  ) {}

  /** Starts watching an environment (after a release with a strategy, or at start for one found rolling out). */
  watch(namespace: string, environment: string): void {
    const key = `${namespace}\0${environment}`;
    this.active.set(key, (this.active.get(key) ?? 0) + 1);
  }

  /** The rollout of the environment's newest release; null when it has none. */
  async rollout(repo: GitRepository, namespace: string, environment: string): Promise<RolloutView | null> {
    const state = await stateOf(repo, environment);
    if (!state) return null;
    const instances = this.instances.list(namespace, environment);
    const reached = instances.filter((i) => desiredBy(state, i) === state.version);
    const failed = reached
      .filter((i) => isFailureOf(state, i))
      .map((i) => i.id)
      .sort();
    const bakeLeft = state.phase === 'progressing' ? Math.max(0, state.since + state.strategy.bakeSeconds - this.clock() / 1000) : null;
    return { state, instances, bakeLeft, reached: reached.length, failed };
  }

  /**
   * What each instance of the environment should run: the environment's release, or during a rollout the version
   * its step gives it. Read once, asked per instance (a list of thousands costs one read of the branch).
   */
  async desiredVersions(repo: GitRepository, environment: string): Promise<(instance: InstanceIdentity) => Desired | null> {
    const state = await stateOf(repo, environment);
    // A completed rollout still says when each instance was reached: its lag counts from there.
    if (state) {
      const asked = state.phase === 'completed' ? { ...state, stepIndex: state.steps.length - 1 } : state;
      return (instance) => desiredIn(asked, instance, bucketOf);
    }
    const release = await currentRelease(repo, environment);
    const released = release?.trailers?.releaseOf ? { version: release.trailers.releaseOf, since: release.committer.timestamp } : null;
    return () => released;
  }

  async command(actor: Actor, command: RolloutCommand, request: RolloutCommandRequest): Promise<WriteOutcome> {
    const environment = validateEnvironmentName(request.environment);
    const repo = await this.access.open(actor, request.namespace, 'editor');
    const view = await this.rollout(repo, request.namespace, environment);
    if (!view || view.state.phase === 'completed') throw new InvalidInputError(`${environment} has no rollout in progress`);
    const { state } = view;
    if (command === 'abort') return this.rollBack(actor, request.namespace, environment, state, [], request.comment || 'rollout aborted');
    if (command === 'pause' && state.phase === 'paused') throw new InvalidInputError(`the rollout of ${environment} is paused already`);
    if (command === 'resume' && state.phase !== 'paused') throw new InvalidInputError(`the rollout of ${environment} is not paused`);
    // Each pause and resume is a commit: the release must stay within reach of the branch's log (release-log.ts).
    if (command === 'pause' && state.transitions + state.steps.length + 2 >= MAX_ROLLOUT_COMMITS) {
      throw new InvalidInputError(`the rollout of ${environment} was paused too often: promote or abort it`);
    }
    const next =
      command === 'promote'
        ? { stepIndex: state.steps.length - 1, phase: 'completed' as const }
        : { stepIndex: state.stepIndex, phase: command === 'pause' ? ('paused' as const) : ('progressing' as const) };
    return this.transition(
      actor,
      request.namespace,
      environment,
      state,
      next,
      request.comment || `rollout ${command === 'promote' ? 'promoted to every instance' : `${command}d`}`,
    );
  }

  /** Moves every watched rollout on; what cannot move now (a conflict with a person's command) is tried next tick. */
  async tick(): Promise<void> {
    for (const [key, generation] of [...this.active]) {
      const [namespace = '', environment = ''] = key.split('\0');
      try {
        if (!(await this.advance(namespace, environment)) && this.active.get(key) === generation) this.active.delete(key);
      } catch (error) {
        // A VersionConflict is someone's pause or release landing first: the next tick decides again, from it.
        if (!(error instanceof VersionConflictError)) this.onError(error, namespace, environment);
      }
    }
  }

  /** Finds the rollouts in progress in these namespaces (at start: they survive restarts). */
  async resumeWatching(namespaces: readonly string[]): Promise<void> {
    for (const namespace of namespaces) {
      try {
        const repo = await this.access.open(this.driver, namespace, 'viewer');
        for (const { name } of await definitionsAt(repo, repo.head())) {
          const state = await stateOf(repo, name);
          if (state && state.phase !== 'completed') this.watch(namespace, name);
        }
      } catch (error) {
        // A namespace whose definitions do not read (pushed with git) keeps the others' rollouts going.
        this.onError(error, namespace, '*');
      }
    }
  }

  /** One rollout's next move; false once it needs no more watching. */
  private async advance(namespace: string, environment: string): Promise<boolean> {
    const repo = await this.access.open(this.driver, namespace, 'editor');
    const view = await this.rollout(repo, namespace, environment);
    if (!view || view.state.phase === 'completed') return false;
    const { state } = view;
    if (failuresExceeded(state.strategy, view.failed.length, view.reached)) {
      const why = `automatic rollback: ${view.failed.length} of ${view.reached} instances on ${state.version.slice(0, 12)} failed (at most ${state.strategy.maxFailures} tolerated)`;
      await this.rollBack(this.driver, namespace, environment, state, view.failed, why);
      return false;
    }
    if (state.phase === 'paused' || view.bakeLeft === null || view.bakeLeft > 0) return true;
    const next = nextTransition(state);
    const step = state.steps[next.stepIndex]!;
    const comment = next.phase === 'completed' ? 'rollout complete' : `rollout step ${next.stepIndex + 1}: ${step.canaryOnly ? 'canary' : `${step.percent}%`}`;
    await this.transition(this.driver, namespace, environment, state, next, comment);
    return next.phase !== 'completed';
  }

  private async transition(
    actor: Actor,
    namespace: string,
    environment: string,
    state: RolloutState,
    next: { stepIndex: number; phase: RolloutPhase },
    comment: string,
  ): Promise<WriteOutcome> {
    const tip = state.tip;
    const outcome = await this.pipeline.write({
      actor,
      target: this.pipeline.targets.rolloutStep(namespace, environment),
      options: { expectedVersion: tip, comment },
      request: { operation: 'rollout', payload: [tip, next.stepIndex, next.phase] },
      plan: () =>
        Promise.resolve({
          action: 'rollout',
          files: new Map(),
          release: { environment, version: state.version, rolloutStep: next.stepIndex, rolloutState: next.phase },
        }),
    });
    if (next.phase !== 'completed') this.watch(namespace, environment);
    if (outcome.kind === 'committed') this.events.publish({ kind: 'rollout', namespace, environment, commit: outcome.version.commit.oid });
    return outcome;
  }

  /** Releases what the environment ran before the rollout: every instance goes back at once. */
  private async rollBack(
    actor: Actor,
    namespace: string,
    environment: string,
    state: RolloutState,
    failed: readonly string[],
    comment: string,
  ): Promise<WriteOutcome> {
    const stable = state.stable;
    if (!stable) throw new InvalidInputError(`${environment} ran nothing before this release: there is nothing to roll back to`);
    const outcome = await this.pipeline.write({
      actor,
      target: this.pipeline.targets.release(namespace, environment),
      options: { expectedVersion: state.release, comment },
      request: { operation: 'rolloutRollback', payload: [state.release, failed] },
      plan: async (repo, base) => {
        // Decided on a state read before the lock: a promotion (or another rollback) may have landed since.
        const now = await stateOf(repo, environment, base?.oid ?? null);
        if (!now || now.release !== state.release || now.phase === 'completed') throw new InvalidInputError(`${environment} has no rollout in progress`);
        const plan = await planRelease(repo, base, environment, { version: stable, rollback: true });
        return { ...plan, release: { ...plan.release!, ...(failed.length ? { rolloutFailed: failed } : {}) } };
      },
    });
    if (outcome.kind === 'committed') this.events.publish({ kind: 'release', namespace, environment, commit: outcome.version.commit.oid });
    return outcome;
  }
}

const buckets = new RolloutBuckets();
const bucketOf = (id: string, release: string): number => buckets.of(id, release);

/** States derived per log read (release-log.ts keeps the read while the branch has not moved). */
const states = new WeakMap<readonly LoggedCommit[], RolloutState | null>();

/** The rollout of the environment's newest release, from its branch (from `tip` when a write holds it). */
async function stateOf(repo: GitRepository, environment: string, tip?: string | null): Promise<RolloutState | null> {
  const log = await releaseLog(repo, environment, Number.POSITIVE_INFINITY, tip);
  let state = states.get(log);
  if (state === undefined) {
    state = rolloutStateOf(log.map((c) => ({ oid: c.oid, time: c.committer.timestamp, trailers: c.trailers })));
    states.set(log, state);
  }
  return state;
}

function desiredBy(state: RolloutState, instance: InstanceIdentity): string | null {
  return desiredIn(state, instance, bucketOf)?.version ?? null;
}

/** A failure counts against the rollout when it is of the version rolled out, reported since the rollout began. */
function isFailureOf(state: RolloutState, instance: InstanceRecord): boolean {
  return instance.status === 'FAILED' && instance.version === state.version && (instance.failedAt ?? 0) >= state.startedAt * 1000;
}
