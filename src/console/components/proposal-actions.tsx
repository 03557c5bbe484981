import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import type { ReviewRights } from '../permissions.js';
import { APPROVE_CHANGE, COMMENT_CHANGE, MERGE_CHANGE, REJECT_CHANGE } from '../queries.js';
import { Hash } from './badges.js';

type Reviewed =
  | NonNullable<ResultOf<typeof APPROVE_CHANGE>['approveChange']>
  | NonNullable<ResultOf<typeof REJECT_CHANGE>['rejectChange']>
  | NonNullable<ResultOf<typeof COMMENT_CHANGE>['commentChange']>;
type Merged = NonNullable<ResultOf<typeof MERGE_CHANGE>['mergeChange']>;
type Verb = 'approve' | 'reject' | 'comment' | 'merge';
export type ProposalOutcome = { readonly verb: Verb; readonly result: Reviewed | Merged };

/**
 * Approve, reject or merge an open change request as the signed-in operator, with an optional comment. Only the
 * buttons `rights` allows are shown (none: no form at all); the server still decides who may (the policy's
 * approvers, never the author approving their own, editors merging): a refusal is shown with what would let it
 * through.
 */
export function ProposalActions({
  api,
  ns,
  id,
  rights,
  mergeable = true,
  mergeReason = null,
  onOutcome,
}: {
  api: Api;
  ns: string;
  id: string;
  rights: ReviewRights;
  /** False: Merge is shown disabled, with `mergeReason` (the merge box's requirements are not met). */
  mergeable?: boolean;
  mergeReason?: string | null;
  onOutcome: (outcome: ProposalOutcome) => void;
}) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<Verb | null>(null);
  const run = async (verb: Verb): Promise<void> => {
    setBusy(verb);
    const input = { namespace: ns, proposal: id, comment: comment.trim() || undefined };
    try {
      const result =
        verb === 'approve'
          ? (await api.request(APPROVE_CHANGE, { input })).approveChange
          : verb === 'reject'
            ? (await api.request(REJECT_CHANGE, { input })).rejectChange
            : verb === 'comment'
              ? (await api.request(COMMENT_CHANGE, { input })).commentChange
              : (await api.request(MERGE_CHANGE, { input })).mergeChange;
      if (result) onOutcome({ verb, result });
      if (result?.__typename === 'Proposal' || result?.__typename === 'WritePayload') setComment('');
    } catch (error) {
      onOutcome({ verb, result: { __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message } });
    } finally {
      setBusy(null);
    }
  };
  if (!rights.approve && !rights.reject && !rights.comment && !rights.merge) return null;
  return (
    <form
      class="toolbar proposal-actions"
      aria-label={`Review change request ${id}`}
      onSubmit={(event) => {
        event.preventDefault();
        if (rights.approve) void run('approve');
      }}
    >
      <label class="field inline grow">
        <span>Review comment</span>
        <input name="comment" value={comment} placeholder="optional" onInput={(e) => setComment(e.currentTarget.value)} />
      </label>
      {rights.approve && (
        <button class="button small" type="submit" disabled={busy !== null}>
          Approve
        </button>
      )}
      {rights.reject && (
        <button class="button small" type="button" disabled={busy !== null} onClick={() => void run('reject')}>
          Reject
        </button>
      )}
      {rights.comment && (
        <button class="button small" type="button" disabled={busy !== null || !comment.trim()} onClick={() => void run('comment')}>
          Comment
        </button>
      )}
      {rights.merge && (
        <button class="button small primary" type="button" disabled={busy !== null || !mergeable} onClick={() => void run('merge')}>
          Merge
        </button>
      )}
      {rights.merge && !mergeable && mergeReason && (
        <span class="muted small" data-testid="merge-reason">
          {mergeReason}
        </span>
      )}
    </form>
  );
}

const VERB_DONE: Record<Verb, string> = { approve: 'Approved', reject: 'Rejected', comment: 'Commented', merge: 'Merged' };

/** What an action answered, kept under the proposal after its state changes (merged, rejected). */
export function ProposalOutcomeView({ outcome: { verb, result } }: { outcome: ProposalOutcome }) {
  const failure = (children: preact.ComponentChildren) => (
    <div class="alert alert-error small" role="alert" data-testid="proposal-outcome" data-outcome={result.__typename}>
      {children}
    </div>
  );
  switch (result.__typename) {
    case 'Proposal':
      return (
        <p class="alert alert-ok small" role="status" data-testid="proposal-outcome" data-outcome="Proposal">
          ✓ {VERB_DONE[verb]}: recorded on the proposal branch.
        </p>
      );
    case 'WritePayload':
      return (
        <p class="alert alert-ok small" role="status" data-testid="proposal-outcome" data-outcome="WritePayload">
          {result.status === 'UNCHANGED' ? (
            'Nothing to merge: main already has this content.'
          ) : (
            <>
              ✓ Merged into main as <Hash value={result.version?.shortHash} />.
            </>
          )}
        </p>
      );
    case 'ApprovalRequired':
      return failure(
        <>
          <strong>
            Not merged: needs {result.required} approval{result.required === 1 ? '' : 's'}
          </strong>{' '}
          ({result.approvals ?? 0} so far) for {(result.paths ?? []).join(', ')}.
          {result.missingFrom?.length ? (
            <>
              {' '}
              Still needed from: <span data-testid="missing-approvers">{result.missingFrom.join(', ')}</span>.
            </>
          ) : null}
        </>,
      );
    case 'ReviewNotAllowed':
      return failure(
        result.reason === 'AUTHOR'
          ? `You proposed this change: you cannot ${verb} it yourself${verb === 'approve' ? ' (you may reject it to withdraw it)' : ''}.`
          : 'Only the approvers the namespace policy names may review this change.',
      );
    case 'ProposalConflict':
      return failure(
        <>
          <strong>Not merged: main changed these documents since the proposal.</strong> Propose again on the current head.
          <ul class="conflicts">
            {(result.paths ?? []).map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </>,
      );
    case 'ProposalRejected':
      return failure('This change request was rejected: it can no longer be merged.');
    case 'ProposalClosed':
      return failure(`This change request is already ${(result.state ?? 'closed').toLowerCase()}: nothing was recorded.`);
    case 'VersionConflict':
      return failure(`Main moved while merging (now at ${result.currentVersion?.slice(0, 7) ?? '?'}): try again.`);
    case 'SchemaViolation':
      return failure(
        <>
          <strong>Not merged: the result would violate its JSON Schemas.</strong>
          <ul>
            {(result.violations ?? []).map((v, i) => (
              <li key={i}>
                <code>{v.path}</code> <code>{v.pointer || '/'}</code>: {v.message}
              </li>
            ))}
          </ul>
        </>,
      );
    case 'OverlayConflict':
      return failure(
        <>
          <strong>Not merged: overlays would no longer apply.</strong>
          <ul>
            {(result.overlays ?? []).map((o) => (
              <li key={o.overlayPath}>
                <code>{o.overlayPath}</code>: {o.reason}
              </li>
            ))}
          </ul>
        </>,
      );
    default:
      return failure(result.message ?? result.__typename);
  }
}
