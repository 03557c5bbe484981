import { CairnError } from './errors.js';
import type { ProposalState, ReviewRefusal } from './proposal.js';

/** The paths are under an approval rule: they change only through an approved change request. */
export class ApprovalRequiredError extends CairnError {
  readonly code = 'APPROVAL_REQUIRED';
  constructor(
    readonly paths: readonly string[],
    readonly required: number,
    readonly approvals: number,
    readonly missingFrom: readonly string[],
  ) {
    super(`${paths.join(', ')} need ${required} approval(s), have ${approvals}; approvers who have not approved: ${missingFrom.join(', ') || 'none'}`);
  }
}

export class ProposalRejectedError extends CairnError {
  readonly code = 'PROPOSAL_REJECTED';
  constructor(readonly proposal: string) {
    super(`proposal ${proposal} was rejected`);
  }
}

/** Main changed documents the proposal changes since its base: never resolved silently, a new proposal is needed. */
export class ProposalConflictError extends CairnError {
  readonly code = 'PROPOSAL_CONFLICT';
  constructor(
    readonly proposal: string,
    readonly paths: readonly string[],
  ) {
    super(`proposal ${proposal} conflicts with later changes to ${paths.join(', ')}`);
  }
}

export class ProposalClosedError extends CairnError {
  readonly code = 'PROPOSAL_CLOSED';
  constructor(
    readonly proposal: string,
    readonly state: ProposalState,
  ) {
    super(`proposal ${proposal} is already ${state}`);
  }
}

export class ReviewNotAllowedError extends CairnError {
  readonly code = 'REVIEW_NOT_ALLOWED';
  constructor(
    readonly proposal: string,
    readonly reason: ReviewRefusal,
  ) {
    super(reason === 'author' ? `the author of proposal ${proposal} cannot review it` : `only an approver of the paths of proposal ${proposal} may approve it`);
  }
}
