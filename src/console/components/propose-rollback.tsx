import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { matchesAny } from '../glob.js';
import { HEAD, POLICY, PROPOSE_ROLLBACK } from '../queries.js';
import { href, navigate } from '../route.js';
import { useLoad } from '../use-query.js';

/** An approval rule of the namespace policy, as far as the console shows it. */
interface ShownRule {
  readonly paths: readonly string[];
  readonly required: number;
  readonly approvers: readonly string[];
}

/**
 * A rollback refused with ApprovalRequired: which policy rules govern the refused paths (their patterns and
 * approvers), and "Propose rollback", which opens a change request for the same rollback (proposeRollback) and goes
 * to it. The server's refusal stays the authority; the rules are read from the policy at main's head to explain it.
 */
export function ProposeRollback({ api, ns, to, paths, refused }: { api: Api; ns: string; to: string; paths: readonly string[]; refused: readonly string[] }) {
  const policy = useLoad(async () => {
    const data = await api.request(POLICY, { ns });
    const config = data.namespace?.__typename === 'Namespace' ? data.namespace.config : null;
    return config?.__typename === 'ConfigDocument' ? rulesOf(config.content) : [];
  }, [api, ns]);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const rules = policy.state === 'done' ? policy.data.filter((r) => refused.some((p) => matchesAny(r.paths, p))) : [];
  const propose = async (): Promise<void> => {
    setBusy(true);
    setFailure(null);
    try {
      const head = await api.request(HEAD, { ns });
      const expectedVersion = head.namespace?.__typename === 'Namespace' ? (head.namespace.head?.hash ?? null) : null;
      const input = { namespace: ns, to, paths: paths.length ? [...paths] : undefined, expectedVersion, comment: comment.trim() || undefined };
      const result = (await api.request(PROPOSE_ROLLBACK, { input })).proposeRollback;
      if (result?.__typename === 'Proposal' && result.id) navigate(href(ns, 'proposals', { id: result.id }));
      else setFailure(result && result.__typename !== 'Proposal' ? (result.message ?? result.__typename) : 'The server answered nothing.');
    } catch (error) {
      setFailure((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="rollback-proposal"
      data-testid="propose-rollback"
      onSubmit={(event) => {
        event.preventDefault();
        void propose();
      }}
    >
      <p>
        {rules.length ? 'The namespace policy governs these documents:' : 'An approval rule of the namespace policy governs these documents.'} they change only
        through an approved change request.
      </p>
      {rules.length > 0 && (
        <ul class="governing-rules">
          {rules.map((r, i) => (
            <li key={i} data-rule={r.paths.join(', ')}>
              <code>{r.paths.join(', ')}</code>: {r.required} approval{r.required === 1 ? '' : 's'} from {r.approvers.join(', ')}
            </li>
          ))}
        </ul>
      )}
      <div class="toolbar">
        <label class="field inline grow">
          <span>Change request comment</span>
          <input name="rollback-comment" value={comment} placeholder={`roll back to ${to.slice(0, 7)}`} onInput={(e) => setComment(e.currentTarget.value)} />
        </label>
        <button class="button primary" type="submit" disabled={busy}>
          Propose rollback
        </button>
      </div>
      {failure && (
        <p class="alert alert-error" role="alert">
          {failure}
        </p>
      )}
    </form>
  );
}

function rulesOf(policy: unknown): ShownRule[] {
  if (typeof policy !== 'object' || policy === null || !('approvals' in policy) || !Array.isArray(policy.approvals)) return [];
  return policy.approvals.flatMap((rule: unknown): ShownRule[] => {
    if (typeof rule !== 'object' || rule === null) return [];
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
    const paths = 'paths' in rule ? strings(rule.paths) : [];
    const approvers = 'approvers' in rule ? strings(rule.approvers) : [];
    const required = 'required' in rule && typeof rule.required === 'number' ? rule.required : 1;
    return paths.length ? [{ paths, required, approvers }] : [];
  });
}
