import type { ClusterDiff } from '../services/environment-diff.js';
import type { EnvironmentView } from '../services/environments.js';
import { FileDiffRef } from './diff.js';
import { type VersionView, relatedVersion } from '../services/version-view.js';
import { builder } from './builder.js';
import { AuditEntryRef } from './namespace.js';
import { READ_ERRORS, WRITE_ERRORS } from './errors.js';
import { PersonRef } from './version.js';
import { VersionRef } from './version-ref.js';
import { WritePayloadRef } from './write-payload.js';

const EXPECTED_RELEASE =
  "The environment's current release (its `hash`), null or absent when it has none yet: refused with VersionConflict when another release came first.";

export const ReleaseRef = builder.objectRef<VersionView>('Release').implement({
  description:
    "A release: a commit on the environment's branch whose tree is the released version's, with the previous release as first parent and the version as second.",
  fields: (t) => ({
    hash: t.string({ description: 'The release commit (pass it as expectedRelease for the next release).', resolve: (v) => v.commit.oid }),
    environment: t.string({ resolve: (v) => v.commit.trailers?.environment ?? '' }),
    version: t.field({
      type: VersionRef,
      nullable: true,
      description: 'The version of main released (trailer Cairn-Release-Of); null for a commit made outside Cairn.',
      resolve: (v) => relatedVersion(v, v.commit.trailers?.releaseOf),
    }),
    commit: t.field({ type: VersionRef, description: 'The release commit itself, with its diff from the previous release.', resolve: (v) => v }),
    rollback: t.boolean({
      description: 'A rollback: the release of a version this environment ran before (Cairn-Rollback-To).',
      resolve: (v) => Boolean(v.commit.trailers?.rollbackTo),
    }),
    operator: t.field({ type: PersonRef, resolve: (v) => v.commit.author }),
    time: t.field({ type: 'DateTime', resolve: (v) => new Date(v.commit.committer.timestamp * 1000) }),
    comment: t.string({ resolve: (v) => v.commit.comment }),
    requestId: t.string({ nullable: true, resolve: (v) => v.commit.trailers?.requestId ?? null }),
  }),
});

export const EnvironmentRef = builder.objectRef<EnvironmentView>('Environment').implement({
  description: "A stage configuration is released to (dev, staging, prod), defined in the namespace's `.cairn/environments.json`.",
  fields: (t) => ({
    name: t.string({ resolve: (e) => e.definition.name }),
    description: t.string({ resolve: (e) => e.definition.description }),
    promotesFrom: t.string({
      nullable: true,
      description: 'Versions reach this environment only after they were released to that one.',
      resolve: (e) => e.definition.promotesFrom,
    }),
    clusters: t.stringList({ resolve: (e) => [...e.definition.clusters] }),
    healthyForSeconds: t.int({ resolve: (e) => e.definition.healthyForSeconds }),
    branch: t.string({
      description: 'The Git branch of its releases (`git log` it for the release history).',
      resolve: (e) => `environments/${e.definition.name}`,
    }),
    release: t.field({
      type: ReleaseRef,
      nullable: true,
      description: 'What the environment runs now; null before its first release.',
      resolve: (e, _args, ctx) => ctx.cairn.environments.current(e),
    }),
    releases: t.field({
      type: [ReleaseRef],
      description: 'Its releases, newest first (at most 100).',
      args: { first: t.arg.int({ required: false, defaultValue: 20 }) },
      resolve: (e, args, ctx) => ctx.cairn.environments.releases(e, args.first ?? 20),
    }),
  }),
});

export const LabelInput = builder.inputType('LabelInput', {
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

export const RolloutStrategyInput = builder.inputType('RolloutStrategyInput', {
  fields: (t) => ({
    steps: t.intList({ required: false, description: 'Percentages of instances, increasing, ending at 100 (default [100]).' }),
    bakeSeconds: t.int({ required: false, description: 'How long each step holds before the next (default 0).' }),
    canary: t.field({
      type: [LabelInput],
      required: false,
      description: 'Instances carrying all these labels take the release first, in a step of their own.',
    }),
    maxFailures: t.int({ required: false, description: 'Failed instances tolerated before the rollout rolls back by itself (default 0).' }),
    maxFailureRatio: t.float({ required: false, description: 'Failed share (0 to 1) of the instances reached tolerated.' }),
  }),
});

const DefineEnvironmentInput = builder.inputType('DefineEnvironmentInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    name: t.string({ required: true, description: "1 to 32 lowercase letters, digits and '-', starting with a letter." }),
    description: t.string({ required: false }),
    promotesFrom: t.string({ required: false, description: 'Another environment this one takes its versions from.' }),
    clusters: t.stringList({ required: false, description: 'The clusters its instances run in; absent: any.' }),
    healthyForSeconds: t.int({
      required: false,
      description: 'With promotesFrom: how long a version must have run there (rollout complete, no instance failing it) before this one takes it.',
    }),
    expectedVersion: t.string({ required: false, description: "Main's head you read the definitions at (the file's expected version)." }),
    comment: t.string({ required: false }),
    requestId: t.string({ required: false }),
    dryRun: t.boolean({ required: false, defaultValue: false }),
  }),
});

type InputFields = Parameters<Parameters<typeof builder.inputType>[1]['fields']>[0];

/** What every write to an environment's branch is asked with, beside what it releases. */
function releaseOptions(t: InputFields, expected: string, dryRun: string) {
  return {
    namespace: t.string({ required: true }),
    expectedRelease: t.string({ required: false, description: expected }),
    comment: t.string({ required: false }),
    requestId: t.string({ required: false }),
    dryRun: t.boolean({ required: false, defaultValue: false, description: dryRun }),
  };
}

const ReleaseInput = builder.inputType('ReleaseInput', {
  fields: (t) => ({
    ...releaseOptions(t, EXPECTED_RELEASE, 'Answer the diff from the current release; commit nothing.'),
    environment: t.string({ required: true }),
    version: t.string({ required: true, description: 'The version of main to release (hash, short hash, tag, HEAD~N).' }),
    strategy: t.field({ type: RolloutStrategyInput, required: false, description: 'A progressive rollout; without one every instance takes it at once.' }),
  }),
});

const RollbackEnvironmentInput = builder.inputType('RollbackEnvironmentInput', {
  fields: (t) => ({
    ...releaseOptions(t, EXPECTED_RELEASE, 'Answer the diff from the current release; commit nothing.'),
    environment: t.string({ required: true }),
    to: t.string({ required: true, description: 'A version of main this environment ran before.' }),
  }),
});

const PromoteInput = builder.inputType('PromoteInput', {
  fields: (t) => ({
    ...releaseOptions(t, `Of \`to\`. ${EXPECTED_RELEASE}`, 'Answer the diff between the two environments; commit nothing.'),
    from: t.string({ required: true, description: 'The environment whose current release is promoted.' }),
    to: t.string({ required: true }),
    version: t.string({
      required: false,
      description: "The version of `from` you previewed (a preview's files are its diff): refused with VersionConflict if `from` runs another by now.",
    }),
  }),
});

const ClusterDiffRef = builder.objectRef<ClusterDiff>('ClusterDiff').implement({
  description: "What one cluster's instances would see change: each effective document (base and that cluster's overlay) that differs.",
  fields: (t) => ({
    cluster: t.string({ nullable: true, description: 'null: the base configuration, of an instance in no overlaid cluster.', resolve: (d) => d.cluster }),
    files: t.field({ type: [FileDiffRef], resolve: (d) => [...d.files] }),
  }),
});

builder.queryFields((t) => ({
  environmentDiff: t.field({
    type: [ClusterDiffRef],
    description:
      "The difference between what two environments run, as their instances run it: per cluster (the target's clusters, or every cluster an overlay names), the effective documents that differ between `from`'s release and `to`'s. What promote(from, to) would change.",
    args: { namespace: t.arg.string({ required: true }), from: t.arg.string({ required: true }), to: t.arg.string({ required: true }) },
    errors: { types: READ_ERRORS },
    resolve: (_root, args, ctx) => ctx.cairn.environmentDiff.between(ctx.actor, ctx.blobs, args.namespace, args.from, args.to),
  }),
  releaseAudit: t.field({
    type: [AuditEntryRef],
    description:
      "Delivery's audit log: every environment's releases, rollbacks and rollout steps (action RELEASE or ROLLOUT), newest first, with who, when, from where and why. Main's changes are in `namespace { audit }`.",
    args: { namespace: t.arg.string({ required: true }), first: t.arg.int({ required: false, defaultValue: 50 }) },
    errors: { types: READ_ERRORS },
    resolve: (_root, args, ctx) => ctx.cairn.environments.releaseAudit(ctx.actor, args.namespace, args.first ?? 50),
  }),
  environments: t.field({
    type: [EnvironmentRef],
    description: "A namespace's environments, in the order they are defined.",
    args: { namespace: t.arg.string({ required: true }) },
    errors: { types: READ_ERRORS },
    resolve: (_root, args, ctx) => ctx.cairn.environments.list(ctx.actor, args.namespace),
  }),
  environment: t.field({
    type: EnvironmentRef,
    args: { namespace: t.arg.string({ required: true }), name: t.arg.string({ required: true }) },
    errors: { types: READ_ERRORS },
    resolve: (_root, args, ctx) => ctx.cairn.environments.get(ctx.actor, args.namespace, args.name),
  }),
}));

builder.mutationFields((t) => ({
  defineEnvironment: t.field({
    type: WritePayloadRef,
    description: 'Adds an environment or changes the one of that name: a commit to main (`.cairn/environments.json`). Admins.',
    args: { input: t.arg({ type: DefineEnvironmentInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.environments.define(ctx.actor, { ...input, expectedVersion: input.expectedVersion ?? null }),
  }),
  release: t.field({
    type: WritePayloadRef,
    description: "Releases a version of main to an environment: a new commit on the environment's branch. Editors.",
    args: { input: t.arg({ type: ReleaseInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.environments.release(ctx.actor, expectingRelease(input)),
  }),
  rollbackEnvironment: t.field({
    type: WritePayloadRef,
    description: 'Releases again a version the environment ran before: a new release commit, never a moved branch.',
    args: { input: t.arg({ type: RollbackEnvironmentInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.environments.rollback(ctx.actor, expectingRelease(input)),
  }),
  promote: t.field({
    type: WritePayloadRef,
    description: 'Releases to `to` what `from` runs now. With dryRun, the diff between the two environments.',
    args: { input: t.arg({ type: PromoteInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.environments.promote(ctx.actor, expectingRelease(input)),
  }),
}));

/** The API's expectedRelease is the pipeline's expected version on the release branch (absent: no release yet). */
function expectingRelease<T extends { readonly expectedRelease?: string | null }>(input: T): T & { expectedVersion: string | null } {
  return { ...input, expectedVersion: input.expectedRelease ?? null };
}
