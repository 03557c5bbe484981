import { mayServeEnvironment, roleIn, satisfies } from '../domain/access.js';
import { validateEnvironmentName } from '../domain/environment.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { EtcdDrift } from '../domain/etcd-drift.js';
import { validateClusterName } from '../domain/overlay-path.js';
import type { InstanceIdentity } from '../domain/rollout-assignment.js';
import type { Desired } from '../domain/rollout-state.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';
import type { Actor } from './actor.js';
import { definitionIn, definitionsAt } from './environments.js';
import type { InstanceRecord, InstanceRegistry, InstanceStatus } from './instance-registry.js';
import type { InstanceSharing } from './instance-sharing.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import type { BlobSource } from './blob-source.js';
import type { EffectiveDocument, OverlayService } from './overlays.js';
import type { EnvironmentEvents } from './environment-events.js';
import { releaseLog } from './release-log.js';
import { ReleaseCursor } from './release-cursor.js';
import type { RolloutService } from './rollouts.js';
import { type VersionView, versionOf } from './version-view.js';

export interface InstanceInput {
  readonly namespace: string;
  readonly environment: string;
  readonly id: string;
  readonly cluster: string;
  readonly labels?: readonly { readonly name: string; readonly value: string }[] | null;
}

export interface InstanceReportRequest extends InstanceInput {
  /** The version applied (or failed); null for a heartbeat before the first apply. */
  readonly version?: string | null;
  readonly status?: InstanceStatus | null;
  readonly message?: string | null;
}

/** What an instance should run, as it asks for it. */
export interface DesiredState {
  readonly namespace: NamespaceReader;
  readonly repo: GitRepository;
  readonly environment: string;
  readonly cluster: string;
  /** null before the environment's first release. */
  readonly version: VersionView | null;
}

/** One event of an environment's subscription, as the API shows it. */
export interface EnvironmentChange {
  readonly kind: 'live' | 'release' | 'rollout' | 'instance' | 'drift';
  readonly namespace: string;
  readonly environment: string;
  readonly commit: string | null;
  readonly instance: InstanceView | null;
  /** A DRIFT event's key edited in etcd (see etcd-drift-watch.ts). */
  readonly drift?: EtcdDrift | null;
}

export interface DesiredConfig extends DesiredState {
  readonly documents: readonly EffectiveDocument[];
}

/** An instance as the API shows it: its last report beside the version it should run. */
export interface InstanceView {
  readonly record: InstanceRecord;
  readonly desired: string | null;
  /** Since when it should run `desired`, seconds; null without one. */
  readonly desiredSince: number | null;
}

function viewOf(record: InstanceRecord, desired: Desired | null): InstanceView {
  return { record, desired: desired?.version ?? null, desiredSince: desired?.since ?? null };
}

/** Instances one page of `Environment.instances` answers at most, and unless `first` says. */
export const MAX_INSTANCES_PAGE = 1000;
const DEFAULT_INSTANCES_PAGE = 100;

export interface InstanceFilter {
  readonly cluster?: string | null;
  readonly status?: InstanceStatus | null;
  readonly first?: number | null;
  /** The last id of the previous page. */
  readonly after?: string | null;
}

const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
const MAX_LABELS = 32;
const MAX_MESSAGE_LENGTH = 2000;

/**
 * The convergence loop's server side: instances ask for their desired version and report what they applied. Agents
 * (role `agent`, see access.ts) may do exactly this; reporting also takes an editor, since a report can stop a rollout.
 */
export class InstanceService {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly registry: InstanceRegistry,
    private readonly rollouts: RolloutService,
    private readonly overlays: OverlayService,
    private readonly events: EnvironmentEvents,
    private readonly sharing: InstanceSharing,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Releases, rollout steps and instances whose applied state changed in one environment, live (agents may listen:
   * a release reaches them without waiting for their next poll). Each instance comes with what it should run.
   * With `since` (a commit of the environment's branch, or forty zeros: before its first release), every release and
   * rollout commit after it comes first, then LIVE, then the rest: releases and steps with no gap and no repeat.
   */
  async subscribe(
    actor: Actor,
    namespace: string,
    environment: string,
    since?: string | null,
    kinds?: readonly EnvironmentChange['kind'][] | null,
  ): Promise<AsyncIterableIterator<EnvironmentChange>> {
    const repo = await this.access.open(actor, namespace, 'agent');
    checkScope(actor, repo.name, environment);
    const name = validateEnvironmentName(environment);
    definitionIn(await definitionsAt(repo, repo.head()), name);
    // An agent hears of releases and steps; the other instances (their ids, messages, a fleet's worth) and etcd's drift
    // (values edited by hand) are not its business.
    const agent = roleIn(actor.operator.grants, repo.name) === 'agent';
    // Listening before the replay is read: a release landing in between is found by the cursor, never lost.
    // A subscriber that asked for some kinds (an agent run with an editor's token wants releases, not a fleet's
    // reports) is not sent the others: each would cost it a resolution, times every subscriber.
    const asked = (kind: string): boolean => !kinds || kinds.includes(kind as EnvironmentChange['kind']);
    const allowed = (kind: string): boolean => !agent || kind === 'release' || kind === 'rollout';
    const events = this.events.subscribe(repo.name, name, (event) => allowed(event.kind) && asked(event.kind));
    const cursor = since ? await ReleaseCursor.at(repo, name, since) : null;
    const branchChange = (commit: LoggedCommit): EnvironmentChange => ({
      kind: commit.trailers?.action === 'rollout' ? 'rollout' : 'release',
      namespace: repo.name,
      environment: name,
      commit: commit.oid,
      instance: null,
    });
    // The first event says the subscription is live: state read from then on misses nothing that follows.
    const queued: EnvironmentChange[] = [
      ...(cursor ? (await cursor.next()).map(branchChange) : []),
      { kind: 'live', namespace: repo.name, environment: name, commit: null, instance: null },
    ];
    const iterator: AsyncIterableIterator<EnvironmentChange> = {
      next: async () => {
        for (;;) {
          const first = queued.shift();
          if (first) return { done: false, value: first };
          const item = await events.next();
          if (item.done) return item;
          const event = item.value;
          if (event.kind === 'instance') {
            const desired = (await this.rollouts.desiredVersions(repo, name))(event.instance);
            return {
              done: false,
              value: { kind: 'instance', namespace: repo.name, environment: name, commit: null, instance: viewOf(event.instance, desired) },
            };
          }
          if (event.kind === 'drift') {
            return { done: false, value: { kind: 'drift', namespace: repo.name, environment: name, commit: null, instance: null, drift: event.drift } };
          }
          // Resumed subscribers read the branch itself from where they are; others hear the commit announced.
          if (cursor) queued.push(...(await cursor.next()).map(branchChange));
          else return { done: false, value: { kind: event.kind, namespace: repo.name, environment: name, commit: event.commit, instance: null } };
        }
      },
      return: async () => {
        await events.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async desired(actor: Actor, input: InstanceInput): Promise<DesiredState> {
    const repo = await this.access.open(actor, input.namespace, 'agent');
    checkScope(actor, repo.name, input.environment);
    const { identity, environment, cluster } = await checkedInstance(repo, input);
    const version = (await this.rollouts.desiredVersions(repo, environment))(identity)?.version ?? null;
    return { namespace: repo, repo, environment, cluster, version: version ? await versionOf(repo, version) : null };
  }

  /** The desired version and its documents as the instance's cluster runs them (overlays applied). */
  async desiredConfig(actor: Actor, blobs: BlobSource, input: InstanceInput): Promise<DesiredConfig> {
    const state = await this.desired(actor, input);
    const documents = state.version ? await this.overlays.effectiveDocuments(state.repo, blobs, state.version.commit, state.cluster) : [];
    return { ...state, documents };
  }

  /**
   * The documents under `prefix` of the version the instance should run, as its cluster runs them: what an agent
   * writes to disk, one version for all of them.
   */
  async desiredBundle(
    actor: Actor,
    blobs: BlobSource,
    input: InstanceInput,
    prefix: string,
  ): Promise<{ at: VersionView; documents: readonly EffectiveDocument[] }> {
    const state = await this.desired(actor, input);
    if (!state.version) throw new NotFoundError('environment', `${state.environment} has no release yet`);
    return { at: state.version, documents: await this.overlays.bundleOf(state.repo, blobs, state.version.commit, state.cluster, prefix) };
  }

  async report(actor: Actor, request: InstanceReportRequest): Promise<InstanceView> {
    const repo = await this.access.open(actor, request.namespace, 'agent');
    const role = roleIn(actor.operator.grants, repo.name);
    if (role !== 'agent' && !satisfies(role, 'editor')) throw new ForbiddenError(repo.name, 'agent');
    checkScope(actor, repo.name, request.environment);
    const { identity, environment, cluster } = await checkedInstance(repo, request);
    const version = request.version ? await releasedVersion(repo, environment, request.version) : null;
    const desired = await this.rollouts.desiredVersions(repo, environment);
    if (request.status && !version) throw new InvalidInputError('a status reports on a version: give the version applied');
    const message = request.message ?? '';
    if (message.length > MAX_MESSAGE_LENGTH) throw new InvalidInputError(`the message is longer than ${MAX_MESSAGE_LENGTH} characters`);
    const record = this.registry.report({
      namespace: repo.name,
      environment,
      id: identity.id,
      cluster,
      labels: identity.labels,
      version,
      status: request.status ?? null,
      message,
    });
    // Answered once the other replicas can know it (when they can: sharing never fails a report, see InstanceSharing).
    await this.sharing.share(record);
    return viewOf(record, desired(identity));
  }

  /**
   * The environment's instances (reported within the TTL) by id, with what each should run: `first` of them (100
   * unless it says) after the id `after`.
   */
  async list(repo: GitRepository, environment: string, filter: InstanceFilter): Promise<InstanceView[]> {
    const first = filter.first ?? DEFAULT_INSTANCES_PAGE;
    if (!Number.isInteger(first) || first < 1 || first > MAX_INSTANCES_PAGE) throw new InvalidInputError(`first must be 1 to ${MAX_INSTANCES_PAGE}`);
    const after = filter.after ?? null;
    const records = this.registry
      .list(repo.name, environment)
      .filter((r) => (!filter.cluster || r.cluster === filter.cluster) && (!filter.status || r.status === filter.status) && (after === null || r.id > after))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const desired = await this.rollouts.desiredVersions(repo, environment);
    return records.slice(0, first).map((record) => viewOf(record, desired(record)));
  }

  /** Seconds from `since` (seconds) to now, on the server's clock. */
  lagSince(since: number): number {
    return Math.max(0, Math.floor(this.clock() / 1000) - since);
  }

  /** Every instance of the environment, unordered, with what each should run: for counts (the per-cluster summary). */
  async all(repo: GitRepository, environment: string): Promise<InstanceView[]> {
    const desired = await this.rollouts.desiredVersions(repo, environment);
    return this.registry.list(repo.name, environment).map((record) => viewOf(record, desired(record)));
  }
}

/** A token scoped to environments (an agent's) acts for instances of those only. */
function checkScope(actor: Actor, namespace: string, environment: string): void {
  if (!mayServeEnvironment(actor.operator, environment))
    throw new ForbiddenError(namespace, 'agent', `this token serves ${actor.operator.environments?.join(', ')}, not ${environment}`);
}

async function checkedInstance(repo: GitRepository, input: InstanceInput): Promise<{ identity: InstanceIdentity; environment: string; cluster: string }> {
  const environment = validateEnvironmentName(input.environment);
  const definition = definitionIn(await definitionsAt(repo, repo.head()), environment);
  const cluster = validateClusterName(input.cluster);
  if (definition.clusters.length > 0 && !definition.clusters.includes(cluster)) {
    throw new InvalidInputError(`cluster '${cluster}' is not one of ${environment}'s clusters (${definition.clusters.join(', ')})`);
  }
  if (!INSTANCE_ID.test(input.id)) throw new InvalidInputError(`instance id '${input.id}': 1 to 128 letters, digits, '.', '_', ':', '-'`);
  const labels = new Map<string, string>();
  for (const { name, value } of input.labels ?? []) {
    if (!LABEL.test(name) || !LABEL.test(value))
      throw new InvalidInputError(`label '${name}=${value}': names and values are 1 to 63 letters, digits, '.', '_', '/', '-'`);
    labels.set(name, value);
  }
  if (labels.size > MAX_LABELS) throw new InvalidInputError(`at most ${MAX_LABELS} labels`);
  return { identity: { id: input.id, labels }, environment, cluster };
}

/** A version the environment was given: released there, or kept there by a rollout (what it ran before). */
async function releasedVersion(repo: GitRepository, environment: string, ref: string): Promise<string> {
  const oid = await repo.resolve(ref).catch(() => null);
  const log = await releaseLog(repo, environment, Number.POSITIVE_INFINITY);
  if (oid && log.some((c) => c.trailers?.action === 'release' && c.trailers.releaseOf === oid)) return oid;
  throw new InvalidInputError(`'${ref}' was never released to ${environment}`);
}
