import type { RolloutView } from '../services/rollouts.js';
import type { DesiredConfig, DesiredState, EnvironmentChange, InstanceView } from '../services/instances.js';
import type { EffectiveDocument } from '../services/overlays.js';
import { builder } from './builder.js';
import { revealedDocument } from './secret-view.js';
import { endingWithError } from './ending-with-error.js';
import { EnvironmentRef, LabelInput, ReleaseRef } from './environment.js';
import { OVERLAY_READ_ERRORS, READ_ERRORS, WRITE_ERRORS } from './errors.js';
import type { VersionView } from '../services/version-view.js';
import { WritePayloadRef } from './write-payload.js';

const RolloutPhaseEnum = builder.enumType('RolloutPhase', {
  values: {
    PROGRESSING: { value: 'progressing', description: 'Steps advance as each one bakes.' },
    PAUSED: { value: 'paused', description: 'Held at its step until resumed.' },
    COMPLETED: { value: 'completed', description: 'Every instance takes the release.' },
  } as const,
});

const InstanceStatusEnum = builder.enumType('InstanceStatus', {
  values: { APPLIED: { value: 'APPLIED' }, FAILED: { value: 'FAILED' } } as const,
});

const LabelRef = builder.objectRef<{ name: string; value: string }>('Label').implement({
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

export const InstanceRef = builder.objectRef<InstanceView>('Instance').implement({
  description: 'A running service (or agent) of an environment, as it last reported.',
  fields: (t) => ({
    id: t.string({ resolve: (i) => i.record.id }),
    cluster: t.string({ resolve: (i) => i.record.cluster }),
    labels: t.field({ type: [LabelRef], resolve: (i) => [...i.record.labels].map(([name, value]) => ({ name, value })) }),
    desiredVersion: t.string({ nullable: true, description: 'What it should run now (its rollout step decides).', resolve: (i) => i.desired }),
    appliedVersion: t.string({ nullable: true, description: 'What it last reported applying (or failing to).', resolve: (i) => i.record.version }),
    status: t.field({ type: InstanceStatusEnum, nullable: true, resolve: (i) => i.record.status }),
    message: t.string({ resolve: (i) => i.record.message }),
    lastSeen: t.field({ type: 'DateTime', resolve: (i) => new Date(i.record.lastSeen) }),
    converged: t.boolean({
      description: 'It applied what it should run.',
      resolve: (i) => i.record.status === 'APPLIED' && i.record.version === i.desired,
    }),
    lagSeconds: t.int({
      nullable: true,
      description:
        'How long it has not run what it should: 0 once it applied it, else the seconds since that version became its own (its rollout step, or the release).',
      resolve: (i, _args, ctx) =>
        i.desiredSince === null ? null : i.record.status === 'APPLIED' && i.record.version === i.desired ? 0 : ctx.cairn.instances.lagSince(i.desiredSince),
    }),
    drift: t.boolean({
      description: 'It runs (applied) a version other than the one it should: lagging behind a release, or ahead of a rollback.',
      resolve: (i) => i.record.status === 'APPLIED' && i.record.version !== i.desired,
    }),
  }),
});

interface ClusterSummary {
  readonly cluster: string;
  readonly instances: number;
  readonly converged: number;
  readonly drifting: number;
  readonly failed: number;
}

const ClusterSummaryRef = builder.objectRef<ClusterSummary>('ClusterSummary').implement({
  fields: (t) => ({
    cluster: t.exposeString('cluster'),
    instances: t.exposeInt('instances'),
    converged: t.exposeInt('converged', { description: 'Applied what they should run.' }),
    drifting: t.exposeInt('drifting', { description: 'Applied another version than the one they should run.' }),
    failed: t.exposeInt('failed', { description: 'Reported a failure.' }),
    allConverged: t.boolean({ resolve: (c) => c.converged === c.instances }),
  }),
});

/** One pass over the instances, whatever their number. */
function summarize(instances: readonly InstanceView[]): ClusterSummary[] {
  const byCluster = new Map<string, { instances: number; converged: number; drifting: number; failed: number }>();
  for (const { record, desired } of instances) {
    const row = byCluster.get(record.cluster) ?? { instances: 0, converged: 0, drifting: 0, failed: 0 };
    row.instances += 1;
    if (record.status === 'FAILED') row.failed += 1;
    else if (record.status === 'APPLIED' && record.version === desired) row.converged += 1;
    else if (record.status === 'APPLIED') row.drifting += 1;
    byCluster.set(record.cluster, row);
  }
  return [...byCluster].map(([cluster, row]) => ({ cluster, ...row })).sort((a, b) => (a.cluster < b.cluster ? -1 : 1));
}

const RolloutRef = builder.objectRef<RolloutView>('Rollout').implement({
  description: "The progressive rollout of an environment's newest release: its state comes from Git, its counts from the instances' reports.",
  fields: (t) => ({
    release: t.string({ description: 'The release commit.', resolve: (r) => r.state.release }),
    version: t.string({ description: 'The version rolled out.', resolve: (r) => r.state.version }),
    stable: t.string({ nullable: true, description: 'What the instances not reached yet keep running.', resolve: (r) => r.state.stable }),
    phase: t.field({ type: RolloutPhaseEnum, resolve: (r) => r.state.phase }),
    step: t.int({ description: 'The current step, from 1.', resolve: (r) => r.state.stepIndex + 1 }),
    stepCount: t.int({ resolve: (r) => r.state.steps.length }),
    canaryStep: t.boolean({ description: 'The current step reaches the canary instances only.', resolve: (r) => r.state.steps[r.state.stepIndex]!.canaryOnly }),
    percent: t.int({ description: "The current step's share of instances (0 in the canary step).", resolve: (r) => r.state.steps[r.state.stepIndex]!.percent }),
    bakeSecondsLeft: t.float({ nullable: true, description: 'Until the next step; null when paused or complete.', resolve: (r) => r.bakeLeft }),
    steps: t.intList({ resolve: (r) => [...r.state.strategy.steps] }),
    bakeSeconds: t.int({ resolve: (r) => r.state.strategy.bakeSeconds }),
    canary: t.field({ type: [LabelRef], resolve: (r) => [...r.state.strategy.canary].map(([name, value]) => ({ name, value })) }),
    maxFailures: t.int({ resolve: (r) => r.state.strategy.maxFailures }),
    reached: t.int({ description: 'Instances the rollout gives the release now.', resolve: (r) => r.reached }),
    failed: t.stringList({ description: 'Those of them that reported a failure of it.', resolve: (r) => [...r.failed] }),
    healthy: t.int({
      description: 'Those of them that applied it.',
      resolve: (r) => r.instances.filter((i) => i.version === r.state.version && i.status === 'APPLIED').length,
    }),
  }),
});

/**
 * The version an instance should run, as an agent may see it: which, and when it was made. Not a Version, whose
 * parent and diff would let an agent walk main's whole history and read every document.
 */
const DesiredVersionRef = builder.objectRef<VersionView>('DesiredVersion').implement({
  fields: (t) => ({
    hash: t.string({ resolve: (v) => v.commit.oid }),
    shortHash: t.string({ resolve: (v) => v.commit.oid.slice(0, 12) }),
    time: t.field({ type: 'DateTime', resolve: (v) => new Date(v.commit.committer.timestamp * 1000) }),
  }),
});

const DesiredStateRef = builder.objectRef<DesiredState>('DesiredState').implement({
  description: 'What one instance should run.',
  fields: (t) => ({
    environment: t.string({ resolve: (d) => d.environment }),
    cluster: t.string({ resolve: (d) => d.cluster }),
    version: t.field({ type: DesiredVersionRef, nullable: true, description: "null before the environment's first release.", resolve: (d) => d.version }),
  }),
});

const EffectiveDocumentRef = builder.objectRef<EffectiveDocument>('EffectiveDocument').implement({
  description: 'A document as one cluster runs it: the base with that cluster’s overlay applied.',
  fields: (t) => ({
    path: t.string({ resolve: (d) => d.path }),
    content: t.field({ type: 'JSON', resolve: (d) => d.content }),
    text: t.string({ description: "In the base's own format (JSON or YAML).", resolve: (d) => d.text }),
  }),
});

const DesiredConfigRef = builder.objectRef<DesiredConfig>('DesiredConfig').implement({
  description: 'What one instance should run, with every document as its cluster runs it.',
  fields: (t) => ({
    environment: t.string({ resolve: (d) => d.environment }),
    cluster: t.string({ resolve: (d) => d.cluster }),
    version: t.field({ type: DesiredVersionRef, nullable: true, resolve: (d) => d.version }),
    documents: t.field({
      type: [EffectiveDocumentRef],
      description: "Empty before the environment's first release.",
      resolve: (d, _a, ctx) => Promise.all(d.documents.map((doc) => revealedDocument(ctx, d.repo.name, doc))),
    }),
  }),
});

builder.objectFields(EnvironmentRef, (t) => ({
  rollout: t.field({
    type: RolloutRef,
    nullable: true,
    description: 'The rollout of its newest release; null when that release went to every instance at once.',
    resolve: (e, _args, ctx) => ctx.cairn.rollouts.rollout(e.repo, e.repo.name, e.definition.name),
  }),
  clusterSummary: t.field({
    type: [ClusterSummaryRef],
    description: 'Per cluster its instances report from: how many converged, drift (run another version) or failed.',
    resolve: async (e, _args, ctx) => summarize(await ctx.cairn.instances.all(e.repo, e.definition.name)),
  }),
  instances: t.field({
    type: [InstanceRef],
    description: 'Its instances that reported within CAIRN_INSTANCE_TTL_SECONDS, by id: `first` (at most 1,000) after the id `after`.',
    args: {
      cluster: t.arg.string({ required: false }),
      status: t.arg({ type: InstanceStatusEnum, required: false }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
      after: t.arg.string({ required: false, description: 'The last id of the previous page.' }),
    },
    resolve: (e, args, ctx) => ctx.cairn.instances.list(e.repo, e.definition.name, args),
  }),
}));

const InstanceInput = builder.inputType('InstanceInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    environment: t.string({ required: true }),
    id: t.string({ required: true, description: 'Stable across restarts of the instance: it decides its place in rollouts.' }),
    cluster: t.string({ required: true }),
    labels: t.field({ type: [LabelInput], required: false }),
  }),
});

const InstanceReportInput = builder.inputType('InstanceReportInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    environment: t.string({ required: true }),
    id: t.string({ required: true }),
    cluster: t.string({ required: true }),
    labels: t.field({ type: [LabelInput], required: false }),
    version: t.string({ required: false, description: 'The version applied (or failed); absent for a heartbeat before the first.' }),
    status: t.field({ type: InstanceStatusEnum, required: false }),
    message: t.string({ required: false }),
  }),
});

const RolloutCommandInput = builder.inputType('RolloutCommandInput', {
  fields: (t) => ({ namespace: t.string({ required: true }), environment: t.string({ required: true }), comment: t.string({ required: false }) }),
});

builder.queryFields((t) => ({
  desiredState: t.field({
    type: DesiredStateRef,
    description: 'The version one instance should run (agents, and every other role): cheap, to poll.',
    args: { input: t.arg({ type: InstanceInput, required: true }) },
    errors: { types: READ_ERRORS },
    resolve: (_root, { input }, ctx) => ctx.cairn.instances.desired(ctx.actor, input),
  }),
  desiredConfig: t.field({
    type: DesiredConfigRef,
    description: 'The version one instance should run and its documents with its cluster’s overlays applied: to fetch when the version changes.',
    args: { input: t.arg({ type: InstanceInput, required: true }) },
    errors: { types: OVERLAY_READ_ERRORS },
    resolve: (_root, { input }, ctx) => ctx.cairn.instances.desiredConfig(ctx.actor, ctx.blobs, input),
  }),
}));

const command = (name: 'pause' | 'resume' | 'promote' | 'abort', description: string) =>
  builder.mutationField(`${name}Rollout`, (t) =>
    t.field({
      type: WritePayloadRef,
      description,
      args: { input: t.arg({ type: RolloutCommandInput, required: true }) },
      errors: { types: WRITE_ERRORS, directResult: true },
      resolve: (_root, { input }, ctx) => ctx.cairn.rollouts.command(ctx.actor, name, input),
    }),
  );

command('pause', 'Holds the rollout at its step (a commit on the release branch). Editors.');
command('resume', 'Lets a paused rollout go on; its step bakes again from now.');
command('promote', 'Takes the release to every instance now: the rollout completes.');
command('abort', 'Rolls the environment back to what it ran before the release: a release of that version.');

const EnvironmentEventKindEnum = builder.enumType('EnvironmentEventKind', {
  values: {
    LIVE: {
      value: 'live',
      description: 'The first event of every subscription: it is live, so the state read from now on (`environment`) misses nothing that follows.',
    },
    RELEASE: { value: 'release', description: "A release on the environment's branch (a rollback and an automatic rollback included)." },
    ROLLOUT: { value: 'rollout', description: 'A step of its rollout, a pause, a resume or its completion.' },
    INSTANCE: { value: 'instance', description: 'An instance whose applied state changed: new, another version, status or cluster.' },
    DRIFT: {
      value: 'drift',
      description:
        "A key of the environment's etcd prefix edited outside Cairn (detected), or what became of it (captured, restored, failed, resolved): see `drift`. Not sent to agents.",
    },
  } as const,
});

export const EnvironmentEventRef = builder.objectRef<EnvironmentChange>('EnvironmentEvent').implement({
  fields: (t) => ({
    kind: t.field({ type: EnvironmentEventKindEnum, resolve: (e) => e.kind }),
    environment: t.string({ resolve: (e) => e.environment }),
    commit: t.string({ nullable: true, description: 'The release or rollout commit; null for an instance event.', resolve: (e) => e.commit }),
    release: t.field({
      type: ReleaseRef,
      nullable: true,
      description: 'The release or rollout commit whole (who, when, why, which version, its rollout); null for an instance event.',
      resolve: (e, _args, ctx) => (e.commit ? ctx.cairn.environments.releaseCommit(ctx.actor, e.namespace, e.commit) : null),
    }),
    instance: t.field({ type: InstanceRef, nullable: true, resolve: (e) => e.instance }),
  }),
});

builder.subscriptionFields((t) => ({
  environmentEvents: t.field({
    type: EnvironmentEventRef,
    description:
      "Releases, rollout steps, instances' applied-state changes and etcd drift of one environment, live (agents too: a release reaches them before their next poll). " +
      'Without `since` nothing is replayed: read the current state with `environment` once the first event (LIVE) arrived. ' +
      "With `since`, every release and rollout commit after it on the environment's branch comes first (oldest first), then LIVE, then the rest: no gap, no repeat.",
    args: {
      namespace: t.arg.string({ required: true }),
      environment: t.arg.string({ required: true }),
      since: t.arg.string({
        required: false,
        description:
          "A release or rollout commit of the environment (the last one you were told of), or forty zeros for every release from the first. INVALID_REF when it is not among the branch's recent commits.",
      }),
      kinds: t.arg({
        type: [EnvironmentEventKindEnum],
        required: false,
        description:
          'Only events of these kinds (LIVE always comes; the replay after `since` is releases and rollout steps whatever is asked): an agent asks for RELEASE and ROLLOUT, and is not sent a fleet of instance reports.',
      }),
    },
    subscribe: async (_root, args, ctx) =>
      endingWithError(await ctx.cairn.instances.subscribe(ctx.actor, args.namespace, args.environment, args.since, args.kinds)),
    resolve: (event) => {
      if (event instanceof Error) throw event;
      return event;
    },
  }),
}));

builder.mutationFields((t) => ({
  reportInstance: t.field({
    type: InstanceRef,
    description: 'What an instance applied (and heartbeats): agents and editors. Failures count against the rollout in progress.',
    args: { input: t.arg({ type: InstanceReportInput, required: true }) },
    errors: { types: [...READ_ERRORS], directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.instances.report(ctx.actor, input),
  }),
}));
