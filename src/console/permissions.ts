import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Role = 'AGENT' | 'VIEWER' | 'EDITOR' | 'ADMIN';

/** The signed-in operator, as the server authenticated them (the `viewer` query). */
export interface Operator {
  readonly name: string;
  readonly email: string;
  /** The role in the namespace shown: null when the operator has none there, undefined while it is being read. */
  readonly role: Role | null | undefined;
}

/**
 * What the console shows follows the operator's role; the server still checks every operation, so this only
 * spares people buttons that would be refused. null until the server has answered: no write control is shown
 * before the role is known.
 */
export const OperatorContext = createContext<Operator | null>(null);

export function useOperator(): Operator | null {
  return useContext(OperatorContext);
}

const RANK: Record<Role, number> = { AGENT: 0, VIEWER: 1, EDITOR: 2, ADMIN: 3 };

export function hasRole(operator: Operator | null, needed: Role): boolean {
  return !!operator?.role && RANK[operator.role] >= RANK[needed];
}

/** Writes, rollbacks, reverts (and their previews: dry runs are checked like writes), tags, proposals, merges. */
export function mayWrite(operator: Operator | null): boolean {
  return hasRole(operator, 'EDITOR');
}

export interface ReviewRights {
  readonly approve: boolean;
  readonly reject: boolean;
  /** A comment decides nothing: editors, the author and named approvers. */
  readonly comment: boolean;
  readonly merge: boolean;
}

const sameEmail = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The server's review rules (services/proposals.ts), as far as the console can know them: merging takes an editor;
 * reviewing takes an editor or an approver the policy names (whatever their role); the author never approves their
 * own change but may reject it to withdraw it. Whether a rule covering the proposal names this editor is the
 * server's to say: that refusal (ReviewNotAllowed) is shown as it comes. An approval already given is not offered
 * again (the server counts each approver once).
 */
export function reviewRights(
  operator: Operator | null,
  author: string | null | undefined,
  namedApprover: boolean,
  approvers: readonly string[] = [],
): ReviewRights {
  if (!operator || operator.role === undefined) return { approve: false, reject: false, comment: false, merge: false };
  const editor = mayWrite(operator);
  const isAuthor = !!author && sameEmail(author, operator.email);
  const reviewer = editor || namedApprover;
  const approved = approvers.some((email) => sameEmail(email, operator.email));
  return { approve: reviewer && !isAuthor && !approved, reject: reviewer || isAuthor, comment: reviewer || isAuthor, merge: editor };
}

/** Whether a namespace policy (the parsed `.cairn/policy.json`) names this email among the approvers of any rule. */
export function namedInPolicy(policy: unknown, email: string): boolean {
  if (typeof policy !== 'object' || policy === null || !('approvals' in policy) || !Array.isArray(policy.approvals)) return false;
  return policy.approvals.some(
    (rule: unknown) =>
      typeof rule === 'object' &&
      rule !== null &&
      'approvers' in rule &&
      Array.isArray(rule.approvers) &&
      rule.approvers.some((a: unknown) => typeof a === 'string' && sameEmail(a, email)),
  );
}
