import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { Hash, Time } from '../components/badges.js';
import { FileDiffView } from '../components/file-diff-view.js';
import { ChangeTrayBar } from '../components/change-tray-bar.js';
import { MergeBox } from '../components/merge-box.js';
import { type ProposalOutcome, ProposalOutcomeView } from '../components/proposal-actions.js';
import { ReadOnlyNote } from '../components/read-only-note.js';
import { mayWrite, namedInPolicy, reviewRights, useOperator } from '../permissions.js';
import { useProposalEvents } from '../proposal-events.js';
import { POLICY, PROPOSALS } from '../queries.js';
import { href } from '../route.js';
import { useLoad } from '../use-query.js';

/**
 * Change requests of the namespace (newest first), or the one `?id=` names: who proposed what, its reviews, its
 * diff, and for open ones the merge box (what merging needs, the review form, Merge). Proposal events (and main's
 * feed, for merges) reload the list live.
 */
export function ProposalsView({ api, ns, params, revision }: { api: Api; ns: string; params?: URLSearchParams; revision: number }) {
  const focus = params?.get('id') ?? null;
  const events = useProposalEvents(api, ns);
  const [outcomes, setOutcomes] = useState<ReadonlyMap<string, ProposalOutcome>>(new Map());
  const loaded = useLoad(() => api.request(PROPOSALS, { ns }), [api, ns, revision, events, outcomes]);
  const [open, setOpen] = useState<string | null>(focus);
  const namespace = loaded.state === 'done' ? loaded.data.namespace : null;
  const listed = namespace?.__typename === 'Namespace' ? (namespace.proposals ?? []) : [];
  const proposals = focus ? listed.filter((p) => p.id === focus) : listed;
  const operator = useOperator();
  const namedApprover = useNamedApprover(api, ns, revision);
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Change requests</h1>
          <p class="muted">Changes proposed for review on their own branch; merged to main once approved.</p>
        </div>
        {focus && <a href={href(ns, 'proposals')}>All change requests</a>}
      </header>
      <ChangeTrayBar api={api} ns={ns} />
      <ReadOnlyNote ns={ns}>
        {namedApprover
          ? 'the namespace policy names you as an approver, so you may approve and reject change requests; merging takes the editor role.'
          : 'reviewing takes the editor role or a place among the approvers the namespace policy names, and merging takes the editor role.'}
      </ReadOnlyNote>
      <div class="panel">
        {loaded.state === 'loading' && <p class="muted">Loading…</p>}
        {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
        {loaded.state === 'done' && !proposals.length && <p class="muted">{focus ? `No change request ${focus}.` : 'No change requests.'}</p>}
        <ul class="proposals">
          {proposals.map((p) => (
            <li key={p.id} class="proposal" data-proposal={p.id}>
              <div class="proposal-head">
                <span class={`badge proposal-${(p.state ?? '').toLowerCase()}`}>{p.state?.toLowerCase()}</span>
                <strong>
                  <a href={href(ns, 'proposals', { id: p.id ?? undefined })}>{p.comment || <span class="muted">no comment</span>}</a>
                </strong>
                <span class="spacer" />
                <button class="button small" type="button" aria-expanded={open === p.id} onClick={() => setOpen(open === p.id ? null : (p.id ?? null))}>
                  {open === p.id ? 'Hide diff' : 'Show diff'}
                </button>
              </div>
              <div class="muted small">
                <code>{p.branch}</code> by <span class="operator">{p.author?.name}</span> <Time iso={p.createdAt} /> · on <Hash value={p.base?.shortHash} />
                {p.mergedVersion && (
                  <>
                    {' '}
                    · merged as <Hash value={p.mergedVersion.shortHash} />
                  </>
                )}
              </div>
              {p.release && (
                <p class="proposal-release">
                  Releases <Hash value={p.release.version?.shortHash} /> to <strong>{p.release.environment}</strong>
                  {p.release.rollout ? <span class="muted"> as a rollout ({p.release.rollout})</span> : <span class="muted"> to every instance at once</span>}
                </p>
              )}
              {(p.reviews ?? []).length > 0 && (
                <ul class="reviews small">
                  {(p.reviews ?? []).map((r, i) => (
                    <li key={i}>
                      <span class={`badge review-${(r.verdict ?? '').toLowerCase()}`}>
                        {r.verdict === 'APPROVE' ? 'approved' : r.verdict === 'COMMENT' ? 'commented' : 'rejected'}
                      </span>{' '}
                      {r.reviewer?.name} <Time iso={r.time} />
                      {r.comment && <span class="muted"> — {r.comment}</span>}
                    </li>
                  ))}
                </ul>
              )}
              {p.state === 'OPEN' && p.id && (
                <MergeBox
                  api={api}
                  ns={ns}
                  id={p.id}
                  author={p.author?.email ?? ''}
                  requirements={p.requirements}
                  rights={reviewRights(operator, p.author?.email, namedApprover, approversOf(p.reviews))}
                  onOutcome={(o) => setOutcomes((m) => new Map(m).set(p.id ?? '', o))}
                />
              )}
              {p.id && outcomes.has(p.id) && <ProposalOutcomeView outcome={outcomes.get(p.id) as ProposalOutcome} />}
              {open === p.id && (p.diff ?? []).map((file) => <FileDiffView key={file.path} file={file} />)}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}

/**
 * Whether the policy at main's head names the signed-in operator as an approver: the server lets such an operator
 * review whatever their role. Read for operators below editor only (editors may review anyway).
 */
function useNamedApprover(api: Api, ns: string, revision: number): boolean {
  const operator = useOperator();
  const needed = !!operator && operator.role !== undefined && !mayWrite(operator);
  const loaded = useLoad(async () => (needed ? (await api.request(POLICY, { ns })).namespace : null), [api, ns, revision, needed]);
  if (!needed || !operator || loaded.state !== 'done') return false;
  const config = loaded.data?.__typename === 'Namespace' ? loaded.data.config : null;
  return config?.__typename === 'ConfigDocument' && namedInPolicy(config.content, operator.email);
}

/** Who has approved so far, by email. */
function approversOf(
  reviews: readonly ({ readonly verdict?: string | null; readonly reviewer?: { readonly email?: string | null } | null } | null)[] | null | undefined,
): string[] {
  return (reviews ?? []).flatMap((r) => (r?.verdict === 'APPROVE' && r.reviewer?.email ? [r.reviewer.email] : []));
}
