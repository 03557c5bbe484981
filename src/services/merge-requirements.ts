import { type Grants, roleIn, satisfies } from '../domain/access.js';
import { type CairnError, ForbiddenError } from '../domain/errors.js';
import type { NamespacePolicy } from '../domain/namespace-policy.js';
import { type RuleApprovals, coveringRules, evaluateApprovals, isGovernanceFile, releaseRules, releaseSubject } from '../domain/proposal.js';
import { ApprovalRequiredError, ProposalClosedError, ProposalConflictError, ProposalRejectedError } from '../domain/proposal-errors.js';
import type { GitRepository } from '../git/repository.js';
import { governedBy } from './approval-check.js';
import type { Proposal } from './proposal-log.js';

/**
 * What merging a change request needs and what stands in its way, as the merge itself decides it: `mergeChange`
 * throws the first blocker, and the console's merge box shows them all, so the two never disagree.
 */
export interface MergeRequirements {
  /** Each policy rule covering the change (its paths, or its release's environment), with who approved it. */
  readonly rules: readonly RuleApprovals[];
  /** The approvers whose approvals count (the merge's Cairn-Approved-By). */
  readonly approvedBy: readonly string[];
  /** Why it cannot be merged now, in the order the merge checks them (empty: mergeable). */
  readonly blockers: readonly CairnError[];
}

/**
 * A change of documents against `policy` (main's head's, which the merge checks inside its write lock): closed,
 * rejected, documents main changed since the base (a conflict, never resolved silently), then unmet rules.
 */
export function changeRequirements(repo: GitRepository, proposal: Proposal, policy: NamespacePolicy): MergeRequirements {
  const paths = proposal.changes.map((c) => c.path);
  const blockers = closedBlockers(proposal);
  // Closed, nothing else stands in the way: it never will be merged.
  if (blockers.length) return { ...withApprovals(proposal, coveringRules(policy, paths), paths, []), blockers };
  const base = proposal.base ? repo.mainCommit(proposal.base) : null;
  const conflicts = proposal.base && !base ? paths : repo.changedSince(base?.seq ?? -1, paths);
  if (conflicts.length) blockers.push(new ProposalConflictError(proposal.id, conflicts));
  return withApprovals(proposal, coveringRules(policy, paths), paths, blockers);
}

/** A release proposal against `policy`: the rules governing its environment. */
export function releaseRequirements(proposal: Proposal, environment: string, policy: NamespacePolicy): MergeRequirements {
  const closed = closedBlockers(proposal);
  const requirements = withApprovals(proposal, releaseRules(policy, environment), [releaseSubject(environment)], []);
  return closed.length ? { ...requirements, blockers: closed } : requirements;
}

/**
 * What the one asking would need to merge it themselves, as the merge checks it (the main target opens for editors,
 * ApprovalCheck lets an admin alone merge a change of Cairn's own files): first in the box, since the merge checks
 * them first. The merge's own plan does not repeat them: the pipeline does.
 */
export function roleBlockers(grants: Grants, namespace: string, proposal: Proposal): CairnError[] {
  const role = roleIn(grants, namespace);
  if (!satisfies(role, 'editor')) return [new ForbiddenError(namespace, 'editor')];
  const governance = proposal.changes.map((c) => c.path).filter(isGovernanceFile);
  return governance.length && role !== 'admin' ? [new ForbiddenError(namespace, 'admin', governedBy(namespace, governance))] : [];
}

/** The merge's own check: the first blocker is the merge's refusal; met, the approvers its commit names. */
export function enforceRequirements(requirements: MergeRequirements): { approvedBy: string[] } {
  const first = requirements.blockers[0];
  if (first) throw first;
  return { approvedBy: [...requirements.approvedBy] };
}

function closedBlockers(proposal: Proposal): CairnError[] {
  if (proposal.state === 'merged') return [new ProposalClosedError(proposal.id, 'merged')];
  if (proposal.state === 'rejected') return [new ProposalRejectedError(proposal.id)];
  return [];
}

function withApprovals(proposal: Proposal, rules: ReturnType<typeof coveringRules>, subject: string[], blockers: CairnError[]): MergeRequirements {
  const approvers = proposal.reviews.filter((r) => r.verdict === 'approve').map((r) => r.reviewer.email);
  const evaluated = evaluateApprovals(rules, proposal.author.email, approvers);
  // One refusal per unmet rule, so the box names every rule still waiting (the merge refuses with the first).
  for (const unmet of evaluated.unmet) blockers.push(new ApprovalRequiredError(subject, unmet.rule.required, unmet.approvals, unmet.missingFrom));
  return { rules: evaluated.rules, approvedBy: evaluated.approvedBy, blockers };
}
