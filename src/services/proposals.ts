import { randomBytes } from 'node:crypto';
import { roleIn, satisfies } from '../domain/access.js';
import { defaultComment } from '../domain/commit-message.js';
import { validateDocumentPath } from '../domain/document-path.js';
import { ForbiddenError, InvalidInputError } from '../domain/errors.js';
import { type ProposalState, approvalRefusal, coveringRules, newProposalId, releaseRules, validateProposalId } from '../domain/proposal.js';
import { ProposalClosedError, ReviewNotAllowedError } from '../domain/proposal-errors.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { ProposalEvent, ProposalEvents } from './proposal-events.js';
import { type MergeRequirements, changeRequirements, enforceRequirements, releaseRequirements, roleBlockers } from './merge-requirements.js';
import { policyAt } from './namespace-policy.js';
import { type Proposal, type ProposedRelease, type ReviewVerdict, listProposals, readProposal } from './proposal-log.js';
import type { ReleaseAsk } from './environments.js';
import { type DocumentWrite, planUpdate, prepare } from './update.js';
import { planRollback } from './rollback.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import type { WritePlan } from './write-request.js';

/** What change requests need of environments (EnvironmentService): a release to propose, and to make once approved. */
export interface ProposableReleases {
  proposable(repo: GitRepository, request: ReleaseAsk): Promise<ProposedRelease>;
  mergeRelease(actor: Actor, proposal: Proposal, comment?: string | null): Promise<WriteOutcome>;
}

export interface ProposeReleaseRequest extends ReleaseAsk {
  readonly namespace: string;
  readonly comment?: string | null;
}

export interface ProposeOptions {
  readonly namespace: string;
  /** As for a direct write: the version the change is based on; null means the documents must not exist yet. */
  readonly expectedVersion: string | null;
  readonly comment?: string | null;
}

/**
 * Change requests. A proposal is a commit on `refs/heads/proposals/<id>` whose parent is main's head; each review
 * is an empty commit on that branch, authored by the reviewer; the merge is one commit on main naming the proposal
 * and its approvers. Everything is Git, readable with `git log proposals/<id>` and `git log main`, and every one of
 * these commits goes through the write pipeline, to its own target.
 */
export class ProposalService {
  constructor(
    private readonly access: NamespaceAccess,
    private readonly pipeline: WritePipeline,
    private readonly clock: () => Date,
    private readonly events: ProposalEvents,
    private readonly releases: ProposableReleases,
  ) {}

  async propose(actor: Actor, options: ProposeOptions, writes: readonly DocumentWrite[]): Promise<Proposal> {
    const files = await prepare(writes);
    const id = newProposalId(this.clock().getTime(), randomBytes(4).toString('hex'));
    const announced = this.announcer(id, 'propose');
    await this.pipeline.write({
      actor,
      target: this.pipeline.targets.proposal(options.namespace, id),
      options: { expectedVersion: options.expectedVersion, comment: options.comment ?? '' },
      request: { operation: 'propose', payload: [] },
      plan: async (_repo, _base, documents) => ({ ...(await planUpdate(documents, files)), action: 'propose', proposal: id }),
      landed: announced.landed,
    });
    return announced.proposal();
  }

  /**
   * Proposes a rollback for review (paths a policy rule governs roll back only this way, but for an admin's emergency):
   * the documents (all, or `paths`) as they were at `to`, on a new proposal branch from main's head. Approved and
   * merged, main gets exactly that change.
   */
  async proposeRollback(actor: Actor, options: ProposeOptions & { readonly to: string; readonly paths?: readonly string[] | null }): Promise<Proposal> {
    const paths = options.paths?.map(validateDocumentPath) ?? null;
    if (paths && paths.length === 0) throw new InvalidInputError('paths is empty; omit it to roll back every document');
    const id = newProposalId(this.clock().getTime(), randomBytes(4).toString('hex'));
    const announced = this.announcer(id, 'propose');
    await this.pipeline.write({
      actor,
      target: this.pipeline.targets.proposal(options.namespace, id),
      options: { expectedVersion: options.expectedVersion, comment: options.comment ?? `roll back to ${options.to}` },
      request: { operation: 'propose', payload: [] },
      plan: async (repo, base, documents) => {
        const rollback = await planRollback(repo, base, options.to, paths);
        if (rollback.files.size === 0) throw new InvalidInputError(`the documents are already as they were at '${options.to}': nothing to propose`);
        return { ...(await planUpdate(documents, rollback.files)), action: 'propose', proposal: id };
      },
      landed: announced.landed,
    });
    return announced.proposal();
  }

  /**
   * Proposes a release for review: a commit on `refs/heads/proposals/<id>` with main's tree whose trailers name the
   * environment, the version and the rollout (Cairn-Environment, Cairn-Release-Of, Cairn-Rollout). It is checked as
   * the release would be now; approved and merged, it is released (`mergeChange`).
   */
  async proposeRelease(actor: Actor, request: ProposeReleaseRequest): Promise<Proposal> {
    const id = newProposalId(this.clock().getTime(), randomBytes(4).toString('hex'));
    const announced = this.announcer(id, 'propose');
    await this.pipeline.write({
      actor,
      target: this.pipeline.targets.releaseProposal(request.namespace, id),
      options: { expectedVersion: null, comment: request.comment ?? '' },
      request: { operation: 'proposeRelease', payload: [request.environment, request.version, request.strategy ?? null] },
      plan: async (repo) => {
        const { environment, version, rollout } = await this.releases.proposable(repo, request);
        return { action: 'propose', files: new Map(), proposal: id, release: { environment, version, ...(rollout ? { rollout } : {}) } };
      },
      landed: announced.landed,
    });
    return announced.proposal();
  }

  approve(actor: Actor, namespace: string, id: string, comment?: string | null): Promise<Proposal> {
    return this.review(actor, namespace, id, 'approve', comment);
  }

  reject(actor: Actor, namespace: string, id: string, comment?: string | null): Promise<Proposal> {
    return this.review(actor, namespace, id, 'reject', comment);
  }

  /** A comment with no verdict, by any editor, the author included: it counts for no rule. */
  comment(actor: Actor, namespace: string, id: string, comment: string | null | undefined): Promise<Proposal> {
    if (!comment?.trim()) throw new InvalidInputError('a comment needs some text');
    return this.review(actor, namespace, id, 'comment', comment);
  }

  /** Commits the proposal's change to main as one commit, once the policy at main's head is met. */
  async merge(actor: Actor, namespace: string, id: string, comment?: string | null): Promise<WriteOutcome> {
    validateProposalId(id);
    const repo = await this.access.open(actor, namespace, 'editor');
    const proposal = await readProposal(repo, id);
    if (proposal.release) {
      const outcome = await this.releases.mergeRelease(actor, proposal, comment);
      if (outcome.kind === 'committed' && !outcome.replayed)
        this.events.publish({ namespace: repo.name, proposal: id, action: 'merge', version: outcome.version.commit.oid });
      return outcome;
    }
    // Planned inside the pipeline's write lock: the approvals checked are the ones in force when main moves.
    const options = { namespace, expectedVersion: proposal.base, comment: comment || mergeComment(proposal.comment, id) };
    return this.pipeline.write({
      actor,
      target: this.pipeline.targets.main(namespace),
      options,
      request: { operation: 'merge', payload: [id] },
      plan: (r, head) => planMerge(r, head, id),
      landed: this.announcer(id, 'merge').landed,
    });
  }

  async get(actor: Actor, namespace: string, id: string): Promise<Proposal> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    return readProposal(repo, validateProposalId(id));
  }

  /**
   * What merging `proposal` needs now, decided as `merge` decides it (against the policy at main's head): the rules
   * covering it with who approved, and what blocks it.
   */
  async requirements(actor: Actor, proposal: Proposal): Promise<MergeRequirements> {
    const repo = await this.access.open(actor, proposal.namespace.name, 'viewer');
    const policy = await policyAt(repo);
    const requirements = proposal.release ? releaseRequirements(proposal, proposal.release.environment, policy) : changeRequirements(repo, proposal, policy);
    if (proposal.state !== 'open') return requirements;
    return { ...requirements, blockers: [...roleBlockers(actor.operator.grants, repo.name, proposal), ...requirements.blockers] };
  }

  async list(actor: Actor, namespace: string, state: ProposalState | null): Promise<Proposal[]> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    return (await listProposals(repo)).filter((p) => state === null || p.state === state);
  }

  private async review(actor: Actor, namespace: string, id: string, verdict: ReviewVerdict, comment?: string | null): Promise<Proposal> {
    validateProposalId(id);
    const announced = this.announcer(id, verdict);
    await this.pipeline.write({
      actor,
      target: this.pipeline.targets.review(namespace, id),
      options: { expectedVersion: null, comment: comment ?? '' },
      request: { operation: verdict, payload: [id] },
      plan: (repo) => planReview(repo, actor, id, verdict),
      landed: announced.landed,
    });
    return announced.proposal();
  }

  /**
   * Tells the proposal's watchers of a commit it made, and reads the proposal as that commit left it: both inside the
   * write lock, so that a review and a merge right after it are announced and answered in the order they landed.
   */
  private announcer(
    id: string,
    action: ProposalEvent['action'],
  ): { landed: (repo: GitRepository, commit: IndexedCommit) => Promise<void>; proposal: () => Proposal } {
    let read: Proposal | null = null;
    return {
      landed: async (repo, commit) => {
        this.events.publish({ namespace: repo.name, proposal: id, action, version: commit.oid });
        if (action !== 'merge') read = await readProposal(repo, id);
      },
      proposal: () => {
        if (!read) throw new Error(`proposal ${id} was not read after its commit`);
        return read;
      },
    };
  }
}

/** A merge says what it merges: the proposal's own comment, unless it had none. */
function mergeComment(proposed: string, id: string): string {
  return proposed && proposed !== defaultComment('propose') ? proposed : `merge proposal ${id}`;
}

/** A verdict is allowed to the approvers the policy names; the author may withdraw (reject) their own proposal. */
async function planReview(repo: GitRepository, actor: Actor, id: string, verdict: ReviewVerdict): Promise<WritePlan> {
  const proposal = await readProposal(repo, id);
  if (proposal.state !== 'open') throw new ProposalClosedError(id, proposal.state);
  const policy = await policyAt(repo);
  const rules = proposal.release
    ? releaseRules(policy, proposal.release.environment)
    : coveringRules(
        policy,
        proposal.changes.map((c) => c.path),
      );
  const isEditor = satisfies(roleIn(actor.operator.grants, repo.name), 'editor');
  const refusal = approvalRefusal(rules, proposal.author.email, actor.operator.email, isEditor);
  // A comment decides nothing: editors, the author and the approvers the policy names (who may be viewers) comment.
  if (verdict === 'comment') {
    if (isEditor || refusal === null || refusal === 'author') return { action: verdict, files: new Map(), proposal: id };
    throw new ForbiddenError(repo.name, 'editor', `commenting on proposal ${id} takes the editor role, its authorship or being one of its approvers`);
  }
  if (refusal !== null && !(verdict === 'reject' && refusal === 'author')) throw new ReviewNotAllowedError(id, refusal);
  return { action: verdict, files: new Map(), proposal: id };
}

/**
 * The proposal's own file changes applied onto main's current head: documents main changed since the base are a
 * conflict (never resolved silently); everything else main changed meanwhile stays as it is.
 */
async function planMerge(repo: GitRepository, head: IndexedCommit | null, id: string): Promise<WritePlan> {
  const proposal = await readProposal(repo, id);
  const { approvedBy } = enforceRequirements(changeRequirements(repo, proposal, await policyAt(repo, head?.oid ?? null)));
  const files = new Map<string, string | null>();
  for (const change of proposal.changes) {
    files.set(change.path, change.newOid === null ? null : await repo.readText(change.newOid));
  }
  return { action: 'merge', files, proposal: id, approvedBy };
}
