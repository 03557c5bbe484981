import type { Api } from '../api.js';
import { ActionBadge, Hash } from '../components/badges.js';
import { formatTime } from '../format.js';
import { mayWrite, useOperator } from '../permissions.js';
import { type PolicySummary, policySummary } from '../policy-summary.js';
import { POLICY, VERSIONS } from '../queries.js';
import { href } from '../route.js';
import { useLoad } from '../use-query.js';

const POLICY_PATH = '.cairn/policy.json';

/**
 * What the namespace policy enforces, read from `.cairn/policy.json` at main's head: approval rules, protected tags,
 * emergency rollbacks; the version that last changed it, and (editors) a link to change it.
 */
export function PolicyView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const operator = useOperator();
  const loaded = useLoad(async () => {
    const [file, history] = await Promise.all([api.request(POLICY, { ns }), api.request(VERSIONS, { ns, path: POLICY_PATH, first: 1, after: null })]);
    const namespace = file.namespace;
    if (namespace?.__typename !== 'Namespace') throw new Error(`Namespace ${ns} unavailable (${namespace?.__typename ?? 'not found'})`);
    const config = namespace.config;
    const versions = history.namespace?.__typename === 'Namespace' ? history.namespace.versions : null;
    return {
      exists: config?.__typename === 'ConfigDocument',
      policy: config?.__typename === 'ConfigDocument' ? policySummary(config.content) : null,
      last: versions?.edges?.[0]?.node ?? null,
    };
  }, [api, ns, revision]);
  return (
    <section>
      <header class="view-header">
        <div>
          <h1>Policy</h1>
          <p class="muted small">
            What <code>{POLICY_PATH}</code> enforces on this namespace, at main's head.
          </p>
        </div>
        {mayWrite(operator) && (
          <a class="button small" href={href(ns, { doc: POLICY_PATH }, { tab: 'edit' })}>
            {loaded.state === 'done' && !loaded.data.policy ? 'Create the policy' : 'Edit the policy'}
          </a>
        )}
      </header>
      {loaded.state === 'loading' && <p class="muted">Loading…</p>}
      {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
      {loaded.state === 'done' && (
        <>
          {loaded.data.last && (
            <div class="panel policy-change" data-testid="policy-last-change">
              <span class="muted small">Last changed</span> <ActionBadge action={loaded.data.last.action} />
              <span>
                by <span title={loaded.data.last.operator?.email ?? undefined}>{loaded.data.last.operator?.name}</span>,{' '}
                {formatTime(loaded.data.last.timestamp)}
                {loaded.data.last.comment && <>: “{loaded.data.last.comment}”</>}
              </span>
              <Hash value={loaded.data.last.shortHash} />
              <a href={href(ns, { doc: POLICY_PATH }, { tab: 'history' })}>its history</a>
            </div>
          )}
          {loaded.data.policy ? (
            <PolicyRules policy={loaded.data.policy} />
          ) : loaded.data.exists ? (
            <p class="panel alert alert-error" data-testid="unreadable-policy">
              {POLICY_PATH} is not a JSON object: the server refuses writes until it is fixed.
            </p>
          ) : (
            <p class="panel" data-testid="no-policy">
              This namespace has no policy: nothing is enforced beyond roles. Every editor commits directly, no tag is protected, and rollbacks need no
              approval.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function PolicyRules({ policy }: { policy: PolicySummary }) {
  return (
    <>
      <div class="panel" data-testid="policy-approvals">
        <h2 class="panel-title">Approval rules</h2>
        {!policy.approvals.length ? (
          <p class="muted">None: every editor commits directly and releases to every environment.</p>
        ) : (
          <table class="audit">
            <thead>
              <tr>
                <th>Governs</th>
                <th>Approvals</th>
                <th>From</th>
              </tr>
            </thead>
            <tbody>
              {policy.approvals.map((rule, i) => (
                <tr key={i} data-rule={i}>
                  <td>
                    {rule.paths.length > 0 && (
                      <div>
                        Documents{' '}
                        {rule.paths.map((p) => (
                          <code key={p} class="path-chip">
                            {p}
                          </code>
                        ))}
                      </div>
                    )}
                    {rule.environments.length > 0 && (
                      <div>
                        Releases to{' '}
                        {rule.environments.map((e) => (
                          <code key={e} class="path-chip">
                            {e}
                          </code>
                        ))}
                      </div>
                    )}
                  </td>
                  <td data-testid="rule-required">
                    {rule.required} of {rule.approvers.length}
                  </td>
                  <td>{rule.approvers.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p class="muted small">Changes under a rule go through a change request, approved by the approvers it names (never by its author).</p>
      </div>
      <div class="panel" data-testid="policy-tags">
        <h2 class="panel-title">Protected tags</h2>
        {policy.protectedTags.length ? (
          <p>
            Tags matching{' '}
            {policy.protectedTags.map((t) => (
              <code key={t} class="path-chip">
                {t}
              </code>
            ))}{' '}
            can be created, never moved or deleted.
          </p>
        ) : (
          <p class="muted">None: an admin may delete any tag.</p>
        )}
      </div>
      <div class="panel" data-testid="policy-emergency">
        <h2 class="panel-title">Emergency rollback</h2>
        <p>
          {policy.emergencyRollback
            ? 'Allowed: an admin may roll back governed documents without approval; such rollbacks are recorded as emergency rollbacks.'
            : 'Not allowed: rolling back governed documents needs an approved change request, as any change to them.'}
        </p>
      </div>
    </>
  );
}
