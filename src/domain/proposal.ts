import { InvalidInputError } from './errors.js';
import { type ApprovalRule, type NamespacePolicy, POLICY_PATH, rulesFor } from './namespace-policy.js';

/** A change request's lifecycle: open until an approved merge or a rejection closes it for good. */
export type ProposalState = 'open' | 'merged' | 'rejected';

/** Where a proposal lives: a branch per change request, so `git branch -a` and `git log` show them. */
export const PROPOSAL_BRANCH_PREFIX = 'refs/heads/proposals/';

const PROPOSAL_ID = /^[a-z0-9][a-z0-9-]{2,63}$/;

export function isProposalId(id: string): boolean {
  return PROPOSAL_ID.test(id);
}

export function validateProposalId(id: string): string {
  if (!isProposalId(id)) throw new InvalidInputError('a proposal id is 3 to 64 characters of lowercase letters, digits and "-"');
  return id;
}

/** A new id from the clock and random bytes (given by the caller: the domain has no I/O). */
export function newProposalId(nowMs: number, randomHex: string): string {
  return validateProposalId(`${nowMs.toString(36)}-${randomHex.toLowerCase()}`);
}

export function proposalBranch(id: string): string {
  return `${PROPOSAL_BRANCH_PREFIX}${validateProposalId(id)}`;
}

/**
 * The rules a change to `paths` must satisfy. A change to Cairn's own files (`.cairn/**`: the policy, schemas)
 * falls under every rule: otherwise one direct write dropping a rule or a schema would open the door it guards.
 */
export function coveringRules(policy: NamespacePolicy, paths: Iterable<string>): ApprovalRule[] {
  const list = [...paths];
  return list.some(isGovernanceFile) ? [...policy.approvals] : rulesFor(policy, list);
}

/** The rules a release to `environment` must satisfy (through a change request). */
export function releaseRules(policy: NamespacePolicy, environment: string): ApprovalRule[] {
  return policy.approvals.filter((rule) => rule.environments.includes(environment));
}

/** How an approval refusal names a release to `environment`, beside the paths of a change. */
export function releaseSubject(environment: string): string {
  return `environments/${environment}`;
}

/** Files that say what may be written (policy, schemas): never changed by an emergency rollback. */
export function isGovernanceFile(path: string): boolean {
  return path === POLICY_PATH || path.startsWith('.cairn/');
}

/** Why a reviewer may not review: authors never approve their own change; only listed approvers approve. */
export type ReviewRefusal = 'author' | 'not-approver';

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Whether `reviewer` may approve a change by `author` under `rules` (the rules covering its paths). With no rule
 * covering it, `mayEditUncovered` decides (an editor of the namespace), since nobody is named.
 */
export function approvalRefusal(rules: readonly ApprovalRule[], author: string, reviewer: string, mayEditUncovered: boolean): ReviewRefusal | null {
  if (same(author, reviewer)) return 'author';
  if (rules.length === 0) return mayEditUncovered ? null : 'not-approver';
  return rules.some((rule) => rule.approvers.some((a) => same(a, reviewer))) ? null : 'not-approver';
}

/** Where a rule stands: who of its approvers approved, and how many approvals it still lacks. */
export interface RuleApprovals {
  readonly rule: ApprovalRule;
  /** Its approvers who approved (as the policy spells them), never the author. */
  readonly approvedBy: readonly string[];
  /** Approvals still needed: 0 when the rule is met. */
  readonly missing: number;
  /** Its approvers who could still approve (neither the author nor one who already did). */
  readonly missingFrom: readonly string[];
}

/** A rule not yet satisfied: how many approvals it needs, how many it has, who else could give one. */
export interface UnmetRule {
  readonly rule: ApprovalRule;
  readonly approvals: number;
  readonly missingFrom: readonly string[];
}

/**
 * Every rule must have `required` distinct approvals from its own approvers, never counting the author's.
 * Returns every rule's standing, the unmet rules (empty: the policy is met) and the approvers whose approvals count.
 */
export function evaluateApprovals(
  rules: readonly ApprovalRule[],
  author: string,
  approvers: readonly string[],
): { rules: RuleApprovals[]; unmet: UnmetRule[]; approvedBy: string[] } {
  const counted = new Set<string>();
  const standing: RuleApprovals[] = [];
  const unmet: UnmetRule[] = [];
  for (const rule of rules) {
    const eligible = rule.approvers.filter((a) => !same(a, author));
    const given = eligible.filter((a) => approvers.some((r) => same(r, a)));
    for (const a of given) counted.add(a.toLowerCase());
    const missingFrom = eligible.filter((a) => !given.includes(a));
    standing.push({ rule, approvedBy: given, missing: Math.max(0, rule.required - given.length), missingFrom });
    if (given.length < rule.required) unmet.push({ rule, approvals: given.length, missingFrom });
  }
  return { rules: standing, unmet, approvedBy: [...counted].sort() };
}
