import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import type { ReviewRights } from '../permissions.js';
import type { PROPOSALS } from '../queries.js';
import { type ProposalOutcome, ProposalActions } from './proposal-actions.js';

type Listed = NonNullable<Extract<NonNullable<ResultOf<typeof PROPOSALS>['namespace']>, { __typename: 'Namespace' }>['proposals']>[number];
type Requirements = NonNullable<Listed['requirements']>;
type Rule = Requirements['rules'] extends readonly (infer R)[] | null | undefined ? R : never;

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * What merging an open change request needs, as the server decides it (Proposal.requirements, the code the merge
 * itself runs): each policy rule covering it with its approvers ticked off, what else blocks it, and the review
 * form, whose Merge stays disabled, with the reason, until the requirements are met.
 */
export function MergeBox({
  api,
  ns,
  id,
  author,
  requirements,
  rights,
  onOutcome,
}: {
  api: Api;
  ns: string;
  id: string;
  author: string;
  requirements: Requirements | null | undefined;
  rights: ReviewRights;
  onOutcome: (outcome: ProposalOutcome) => void;
}) {
  const rules = requirements?.rules ?? [];
  const mergeable = requirements?.mergeable === true;
  return (
    <div class={`merge-box ${mergeable ? 'merge-ready' : 'merge-blocked'}`} data-testid="merge-box" data-mergeable={String(mergeable)}>
      <h3 class="merge-box-title">{mergeable ? '✓ Ready to merge' : 'Merging is blocked'}</h3>
      {rules.length === 0 ? (
        <p class="muted small">No approval rule of the namespace policy covers this change: it needs no approval.</p>
      ) : (
        <ul class="merge-checklist">
          {rules.map((rule, i) => (
            <RuleItem key={i} rule={rule} author={author} />
          ))}
        </ul>
      )}
      {(requirements?.blockers ?? [])
        .filter((b) => b.code !== 'APPROVAL_REQUIRED')
        .map((b, i) => (
          <p key={i} class="alert alert-error small" data-blocker={b.code}>
            {b.message}
          </p>
        ))}
      <ProposalActions
        api={api}
        ns={ns}
        id={id}
        rights={rights}
        mergeable={mergeable}
        mergeReason={mergeable ? null : reasonOf(requirements)}
        onOutcome={onOutcome}
      />
    </div>
  );
}

function RuleItem({ rule, author }: { rule: Rule; author: string }) {
  const met = (rule.missing ?? 0) === 0;
  const scope = [...(rule.paths ?? []), ...(rule.environments ?? []).map((e) => `environment ${e}`)].join(', ');
  return (
    <li class={met ? 'rule-met' : 'rule-pending'} data-rule={scope}>
      <span class="check" aria-hidden="true">
        {met ? '✓' : '○'}
      </span>{' '}
      <strong>{scope}</strong>: {rule.required} approval{rule.required === 1 ? '' : 's'} from the approvers the policy names
      {met ? '' : ` (${rule.missing} missing)`}
      <ul class="approvers">
        {(rule.approvers ?? []).map((email) => {
          const approved = (rule.approvedBy ?? []).some((a) => same(a, email));
          const isAuthor = same(email, author);
          return (
            <li key={email} data-approver={email} data-approved={String(approved)}>
              <span class="check" aria-hidden="true">
                {approved ? '✓' : isAuthor ? '–' : '○'}
              </span>{' '}
              {email} <span class="muted">{approved ? 'approved' : isAuthor ? 'author: cannot approve' : 'pending'}</span>
            </li>
          );
        })}
      </ul>
    </li>
  );
}

/** Why Merge is disabled, in words: the first blocker, as the merge would refuse. */
function reasonOf(requirements: Requirements | null | undefined): string {
  if (!requirements) return 'The requirements could not be read.';
  const first = (requirements.blockers ?? [])[0];
  if (first?.code === 'APPROVAL_REQUIRED') {
    const missing = (requirements.rules ?? []).reduce((n, r) => n + (r.missing ?? 0), 0);
    return `Waiting for ${missing} more approval${missing === 1 ? '' : 's'}.`;
  }
  return first?.message ?? 'Not mergeable.';
}
