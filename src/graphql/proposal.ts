import type { CairnError } from '../domain/errors.js';
import type { JsonValue } from '../domain/json-value.js';
import type { ProposalState, RuleApprovals } from '../domain/proposal.js';
import type { MergeRequirements } from '../services/merge-requirements.js';
import { storedDiff } from '../services/diff.js';
import type { ProposalEvent } from '../services/proposal-events.js';
import type { Proposal, ProposedRelease, Review } from '../services/proposal-log.js';
import { RolloutStrategyInput } from './environment.js';
import { type IndexedCommit, versionOf, viewOf } from '../services/version-view.js';
import { builder } from './builder.js';
import { FileDiffRef } from './diff.js';
import { MERGE_ERRORS, PROPOSE_ERRORS, ProposalStateEnum, READ_ERRORS, REVIEW_ERRORS } from './errors.js';
import { AuditEntryRef, NamespaceRef } from './namespace.js';
import { DocumentChangeInput } from './update.js';
import { CommitActionEnum, PersonRef } from './version.js';
import { VersionRef } from './version-ref.js';
import { WritePayloadRef } from './write-payload.js';

const ReviewVerdictEnum = builder.enumType('ReviewVerdict', {
  values: {
    APPROVE: { value: 'approve' },
    REJECT: { value: 'reject' },
    COMMENT: { value: 'comment', description: 'A comment: it approves nothing.' },
  } as const,
});

const ReviewRef = builder.objectRef<{ proposal: Proposal; review: Review }>('Review').implement({
  description: 'One review of a change request: a commit on its proposal branch, authored by the reviewer.',
  fields: (t) => ({
    verdict: t.field({ type: ReviewVerdictEnum, resolve: (r) => r.review.verdict }),
    reviewer: t.field({ type: PersonRef, resolve: (r) => r.review.reviewer }),
    time: t.field({ type: 'DateTime', resolve: (r) => new Date(r.review.commit.committer.timestamp * 1000) }),
    comment: t.string({ resolve: (r) => r.review.comment }),
    version: t.field({ type: VersionRef, resolve: (r) => viewOf(r.proposal.namespace, r.review.commit) }),
  }),
});

const reviewsOf = (p: Proposal, verdict?: Review['verdict']) =>
  p.reviews.filter((r) => !verdict || r.verdict === verdict).map((review) => ({ proposal: p, review }));
const version = (p: Proposal, commit: IndexedCommit | null) => (commit ? viewOf(p.namespace, commit) : null);

const ProposedReleaseRef = builder.objectRef<{ proposal: Proposal; release: ProposedRelease }>('ProposedRelease').implement({
  description: 'What a release proposal releases once approved and merged.',
  fields: (t) => ({
    environment: t.string({ resolve: (r) => r.release.environment }),
    version: t.field({ type: VersionRef, description: 'The version of main it releases.', resolve: (r) => versionOf(r.proposal.namespace, r.release.version) }),
    rollout: t.string({
      nullable: true,
      description: 'Its rollout strategy as the Cairn-Rollout trailer says it; null: every instance at once.',
      resolve: (r) => r.release.rollout,
    }),
  }),
});

const ApprovalRequirementRef = builder.objectRef<RuleApprovals>('ApprovalRequirement').implement({
  description: 'One policy rule covering a change request (by its paths, or its release by environment), and how far its approvals are.',
  fields: (t) => ({
    paths: t.stringList({ description: "The rule's path patterns.", resolve: (r) => [...r.rule.paths] }),
    environments: t.stringList({ description: "The rule's environments.", resolve: (r) => [...r.rule.environments] }),
    required: t.int({ description: 'Approvals the rule needs, from distinct approvers other than the author.', resolve: (r) => r.rule.required }),
    approvers: t.stringList({ description: 'The approvers the rule names (emails).', resolve: (r) => [...r.rule.approvers] }),
    approvedBy: t.stringList({ description: 'Its approvers who approved.', resolve: (r) => [...r.approvedBy] }),
    missing: t.int({ description: 'Approvals still needed (0: the rule is met).', resolve: (r) => r.missing }),
    missingFrom: t.stringList({ description: 'Its approvers who could still approve (not the author).', resolve: (r) => [...r.missingFrom] }),
  }),
});

const MergeBlockerRef = builder.objectRef<{ readonly error: CairnError }>('MergeBlocker').implement({
  description: 'Why a change request cannot be merged now: the error mergeChange would answer with (its code and message).',
  fields: (t) => ({
    code: t.string({ resolve: (b) => b.error.code }),
    message: t.string({ resolve: (b) => b.error.message }),
  }),
});

const MergeRequirementsRef = builder.objectRef<MergeRequirements>('MergeRequirements').implement({
  description:
    "What merging a change request needs, decided by the same code mergeChange decides with, against the policy at main's head now. Merging still takes the editor role (and an admin for changes to .cairn/), and a release's own checks run when it is made.",
  fields: (t) => ({
    mergeable: t.boolean({ description: 'No blocker: mergeChange would go through the approval checks.', resolve: (r) => r.blockers.length === 0 }),
    rules: t.field({ type: [ApprovalRequirementRef], description: 'Each policy rule covering the change, with who approved.', resolve: (r) => [...r.rules] }),
    approvedBy: t.stringList({ description: "The approvals that count (the merge commit's Cairn-Approved-By).", resolve: (r) => [...r.approvedBy] }),
    blockers: t.field({
      type: [MergeBlockerRef],
      description: 'What stands in the way, in the order mergeChange checks it.', // Wrapped: an Error returned as a field value would be taken for the resolver failing.
      resolve: (r) => r.blockers.map((error) => ({ error })),
    }),
  }),
});

export const ProposalRef = builder.objectRef<Proposal>('Proposal').implement({
  description: 'A change request: a commit on refs/heads/proposals/<id>, reviewed by approvers, merged to main as one commit.',
  fields: (t) => ({
    id: t.exposeString('id'),
    namespace: t.string({ resolve: (p) => p.namespace.name }),
    branch: t.exposeString('branch', { description: 'The Git branch holding the change and its reviews.' }),
    state: t.field({ type: ProposalStateEnum, resolve: (p) => p.state }),
    author: t.field({ type: PersonRef, resolve: (p) => p.author }),
    comment: t.exposeString('comment'),
    createdAt: t.field({ type: 'DateTime', resolve: (p) => new Date(p.change.committer.timestamp * 1000) }),
    base: t.field({
      type: VersionRef,
      nullable: true,
      description: "Main's head the change was proposed against.",
      resolve: (p) => (p.base ? versionOf(p.namespace, p.base) : null),
    }),
    change: t.field({ type: VersionRef, description: 'The proposed commit (on the proposal branch).', resolve: (p) => viewOf(p.namespace, p.change) }),
    approvals: t.field({ type: [ReviewRef], resolve: (p) => reviewsOf(p, 'approve') }),
    reviews: t.field({ type: [ReviewRef], description: 'Approvals, rejections and comments, oldest first.', resolve: (p) => reviewsOf(p) }),
    diff: t.field({
      type: [FileDiffRef],
      description: 'The proposed change against its base.',
      resolve: (p, _args, ctx) => p.changes.map((c) => storedDiff(p.namespace, ctx.blobs, c)),
    }),
    mergedVersion: t.field({
      type: VersionRef,
      nullable: true,
      description: "The commit that merged it: on main, or a release proposal's release on its environment's branch.",
      resolve: (p) => version(p, p.merged),
    }),
    requirements: t.field({
      type: MergeRequirementsRef,
      description: 'What merging needs now: the covering rules with who approved, and what blocks it (the merge box).',
      resolve: (p, _args, ctx) => ctx.cairn.proposals.requirements(ctx.actor, p),
    }),
    release: t.field({
      type: ProposedReleaseRef,
      nullable: true,
      description: 'For a release proposal (proposeRelease): what it releases. Its diff is empty: it changes no document.',
      resolve: (p) => (p.release ? { proposal: p, release: p.release } : null),
    }),
  }),
});

builder.objectFields(NamespaceRef, (t) => ({
  proposal: t.field({
    type: ProposalRef,
    args: { id: t.arg.string({ required: true }) },
    errors: { types: READ_ERRORS, directResult: true },
    resolve: (r, args, ctx) => ctx.cairn.proposals.get(ctx.actor, r.name, args.id),
  }),
  proposals: t.field({
    type: [ProposalRef],
    description: 'Change requests, newest first; every state when `state` is absent.',
    args: { state: t.arg({ type: ProposalStateEnum, required: false }) },
    resolve: (r, args, ctx) => ctx.cairn.proposals.list(ctx.actor, r.name, (args.state as ProposalState | null | undefined) ?? null),
  }),
}));

/** Fields of the change-request trailers, shown wherever a commit is. */
const trailerFields = {
  proposal: (v: { commit: IndexedCommit }) => v.commit.trailers?.proposal ?? null,
  approvedBy: (v: { commit: IndexedCommit }) =>
    (v.commit.trailers?.approvedBy ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  emergency: (v: { commit: IndexedCommit }) => v.commit.trailers?.emergency === 'true',
};

for (const ref of [VersionRef, AuditEntryRef]) {
  builder.objectFields(ref, (t) => ({
    proposal: t.string({ nullable: true, description: 'The change request this commit proposes, reviews or merges.', resolve: trailerFields.proposal }),
    approvedBy: t.stringList({ description: 'For a merge: the approvers whose approvals let it through.', resolve: trailerFields.approvedBy }),
    emergency: t.boolean({
      description: "An admin's rollback of paths under an approval rule, without approval (policy emergencyRollback).",
      resolve: trailerFields.emergency,
    }),
  }));
}

const ProposeChangeInput = builder.inputType('ProposeChangeInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    changes: t.field({ type: [DocumentChangeInput], required: true }),
    expectedVersion: t.string({
      required: false,
      description: 'The version you based the change on, as for applyChanges; null: the documents must not exist yet.',
    }),
    comment: t.string({ required: false }),
  }),
});

const ProposeReleaseInput = builder.inputType('ProposeReleaseInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    environment: t.string({ required: true }),
    version: t.string({ required: true, description: 'The version of main to release (hash, short hash, tag, HEAD~N).' }),
    strategy: t.field({ type: RolloutStrategyInput, required: false, description: 'A progressive rollout; without one every instance takes it at once.' }),
    comment: t.string({ required: false }),
  }),
});

const ProposeRollbackInput = builder.inputType('ProposeRollbackInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    to: t.string({ required: true, description: 'The version of main to roll back to (hash, short hash, tag, HEAD~N).' }),
    paths: t.stringList({ required: false, description: 'Only these documents; every document when absent.' }),
    expectedVersion: t.string({ required: false, description: "Main's head the rollback was previewed on; refused with VersionConflict when main moved." }),
    comment: t.string({ required: false }),
  }),
});

const ProposalActionInput = builder.inputType('ProposalActionInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    proposal: t.string({ required: true, description: 'The proposal id.' }),
    comment: t.string({ required: false }),
  }),
});

builder.mutationFields((t) => ({
  proposeChange: t.field({
    type: ProposalRef,
    description: "Commits the change on a new branch proposals/<id> from main's head, for review; main does not move.",
    args: { input: t.arg({ type: ProposeChangeInput, required: true }) },
    errors: { types: PROPOSE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) =>
      ctx.cairn.proposals.propose(
        ctx.actor,
        { namespace: input.namespace, expectedVersion: input.expectedVersion ?? null, comment: input.comment },
        input.changes.map((c) => ({ path: c.path, text: c.text, content: c.content === undefined ? undefined : (c.content as JsonValue), delete: c.delete })),
      ),
  }),
  proposeRollback: t.field({
    type: ProposalRef,
    description:
      "Proposes a rollback for review: the documents (all, or `paths`) as they were at `to`, on a new branch proposals/<id> from main's head. Paths a policy rule governs roll back only this way (but for an admin's emergency rollback when the policy allows it).",
    args: { input: t.arg({ type: ProposeRollbackInput, required: true }) },
    errors: { types: PROPOSE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) =>
      ctx.cairn.proposals.proposeRollback(ctx.actor, {
        namespace: input.namespace,
        expectedVersion: input.expectedVersion ?? null,
        comment: input.comment,
        to: input.to,
        paths: input.paths,
      }),
  }),
  proposeRelease: t.field({
    type: ProposalRef,
    description:
      'Proposes a release for review (environments a policy rule governs take releases only this way): a commit on proposals/<id> naming the environment, version and rollout. Approved, `mergeChange` releases it.',
    args: { input: t.arg({ type: ProposeReleaseInput, required: true }) },
    errors: { types: PROPOSE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.proposals.proposeRelease(ctx.actor, input),
  }),
  approveChange: t.field({
    type: ProposalRef,
    description: 'Records your approval as a commit on the proposal branch. Never by the author; only by an approver the policy names.',
    args: { input: t.arg({ type: ProposalActionInput, required: true }) },
    errors: { types: REVIEW_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.proposals.approve(ctx.actor, input.namespace, input.proposal, input.comment),
  }),
  rejectChange: t.field({
    type: ProposalRef,
    description: 'Rejects the proposal for good (an approver, or the author withdrawing it), as a commit on its branch.',
    args: { input: t.arg({ type: ProposalActionInput, required: true }) },
    errors: { types: REVIEW_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.proposals.reject(ctx.actor, input.namespace, input.proposal, input.comment),
  }),
  commentChange: t.field({
    type: ProposalRef,
    description: 'Comments on an open proposal (editors, its author, the approvers its rules name), as a commit on its branch: it counts for no approval rule.',
    args: { input: t.arg({ type: ProposalActionInput, required: true }) },
    errors: { types: REVIEW_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.proposals.comment(ctx.actor, input.namespace, input.proposal, input.comment),
  }),
  mergeChange: t.field({
    type: WritePayloadRef,
    description:
      "Commits the proposal's change to main as one commit once the policy's approvals are met; a release proposal is released to its environment instead.",
    args: { input: t.arg({ type: ProposalActionInput, required: true }) },
    errors: { types: MERGE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.proposals.merge(ctx.actor, input.namespace, input.proposal, input.comment),
  }),
}));

const ProposalEventRef = builder.objectRef<ProposalEvent>('ProposalEvent').implement({
  description: 'A change request was proposed, approved, rejected, commented on or merged.',
  fields: (t) => ({
    namespace: t.exposeString('namespace'),
    proposalId: t.exposeString('proposal'),
    action: t.field({ type: CommitActionEnum, resolve: (e) => e.action }),
    version: t.field({
      type: VersionRef,
      description: 'The commit recording it: on the proposal branch, or on main for a merge.',
      resolve: async (e, _args, ctx) => ctx.cairn.history.version(ctx.actor, e.namespace, e.version),
    }),
    proposal: t.field({
      type: ProposalRef,
      description: 'The proposal as it is now.',
      resolve: (e, _args, ctx) => ctx.cairn.proposals.get(ctx.actor, e.namespace, e.proposal),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  proposalEvents: t.field({
    type: ProposalEventRef,
    description:
      "Live change-request activity of a namespace (this server's). Merges also reach `changes`, as main commits with action MERGE; the durable record is `proposals` and the audit log.",
    args: { namespace: t.arg.string({ required: true }) },
    subscribe: (_root, args, ctx) => ctx.cairn.proposalEvents.subscribe(ctx.actor, args.namespace),
    resolve: (event) => event,
  }),
}));
