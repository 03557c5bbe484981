import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { Hash } from '../components/badges.js';
import { ReleaseForm } from '../components/release-form.js';
import { formatTime } from '../format.js';
import type { ResultOf } from '../graphql.js';
import { mayWrite, useOperator } from '../permissions.js';
import { ABORT_ROLLOUT, ENVIRONMENTS, PAUSE_ROLLOUT, RESUME_ROLLOUT } from '../queries.js';
import { compareHref } from './compare-view.js';

type Environments = Extract<NonNullable<ResultOf<typeof ENVIRONMENTS>['environments']>, { __typename: 'EnvironmentsSuccess' }>;
type Environment = Environments['data'][number];

/** How often the page asks again: a rollout's bake time, steps and instances move without a commit on main. */
const REFRESH_MS = 1000;

/** Each environment: what it runs, its rollout as it progresses, its instances, and (editors) what to release next. */
export function EnvironmentsView({ api, ns, revision }: { api: Api; ns: string; revision: number }) {
  const [data, setData] = useState<readonly Environment[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [nudge, setNudge] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The next question is asked once the last is answered (never two at once), more rarely while the tab is hidden;
    // a failed one leaves what was shown (and the forms being filled in) on screen.
    const poll = async (): Promise<void> => {
      try {
        const answer = (await api.request(ENVIRONMENTS, { ns })).environments;
        if (answer?.__typename !== 'EnvironmentsSuccess') throw new Error(answer && 'message' in answer ? (answer.message ?? 'unavailable') : 'unavailable');
        if (!stopped) {
          setData(answer.data);
          setProblem(null);
        }
      } catch (error) {
        if (!stopped) setProblem((error as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void poll(), document.hidden ? REFRESH_MS * 10 : REFRESH_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, ns, revision, nudge]);
  const refresh = (): void => setNudge((n) => n + 1);
  return (
    <section>
      <header class="view-header">
        <h1>Environments</h1>
        {data && data.length > 1 && (
          <a
            class="button small"
            href={compareHref(
              ns,
              { namespace: ns, at: '', environment: data[0]?.name ?? '', cluster: '' },
              { namespace: ns, at: '', environment: data[1]?.name ?? '', cluster: '' },
            )}
          >
            Compare environments
          </a>
        )}
      </header>
      {problem && (
        <p class="alert alert-error" role="alert">
          {problem}
        </p>
      )}
      {data?.length === 0 && <p class="muted">No environments yet: an admin defines them (defineEnvironment, or `cairn env create`).</p>}
      {data?.map((env) => (
        <EnvironmentCard
          key={env.name ?? ''}
          api={api}
          ns={ns}
          env={env}
          fromVersion={data.find((other) => other.name === env.promotesFrom)?.release?.version?.hash ?? null}
          onChanged={refresh}
        />
      ))}
    </section>
  );
}

function EnvironmentCard({
  api,
  ns,
  env,
  fromVersion,
  onChanged,
}: {
  api: Api;
  ns: string;
  env: Environment;
  fromVersion: string | null;
  onChanged: () => void;
}) {
  const writer = mayWrite(useOperator());
  const release = env.release;
  const running = release?.version?.hash ?? null;
  const earlier = dedupe(
    (env.releases ?? []).flatMap((r) =>
      r.version?.hash && r.version.hash !== running ? [{ hash: r.version.hash, shortHash: r.version.shortHash ?? r.version.hash.slice(0, 12) }] : [],
    ),
  );
  return (
    <article class="panel environment" data-testid={`environment-${env.name}`} aria-label={`Environment ${env.name}`}>
      <header class="environment-header">
        <h2>{env.name}</h2>
        {env.promotesFrom && <span class="muted small">takes its versions from {env.promotesFrom}</span>}
        {env.description && <span class="muted small">{env.description}</span>}
      </header>
      <p data-testid="release">
        {release ? (
          <>
            Runs <Hash value={release.version?.shortHash} />
            {release.rollback && <span class="badge action-rollback">rollback</span>} released by {release.operator?.name ?? 'someone'}{' '}
            {formatTime(release.time)}
          </>
        ) : (
          'No release yet'
        )}
      </p>
      {env.rollout && env.rollout.phase !== 'COMPLETED' && <RolloutProgress api={api} ns={ns} env={env} writer={writer} onChanged={onChanged} />}
      {writer && (
        <ReleaseForm
          api={api}
          ns={ns}
          env={{ name: env.name ?? '', promotesFrom: env.promotesFrom ?? null, promotesFromVersion: fromVersion, current: release?.hash ?? null, earlier }}
          onDone={onChanged}
        />
      )}
      <InstancesTable instances={env.instances} summary={env.clusterSummary ?? []} />
    </article>
  );
}

function RolloutProgress({ api, ns, env, writer, onChanged }: { api: Api; ns: string; env: Environment; writer: boolean; onChanged: () => void }) {
  const rollout = env.rollout!;
  const [problem, setProblem] = useState<string | null>(null);
  const input = { input: { namespace: ns, environment: env.name ?? '' } };
  const command = async (which: 'pause' | 'resume' | 'abort'): Promise<void> => {
    const answer =
      which === 'pause'
        ? (await api.request(PAUSE_ROLLOUT, input)).pauseRollout
        : which === 'resume'
          ? (await api.request(RESUME_ROLLOUT, input)).resumeRollout
          : (await api.request(ABORT_ROLLOUT, input)).abortRollout;
    setProblem(answer && answer.__typename !== 'WritePayload' && 'message' in answer ? (answer.message ?? answer.__typename) : null);
    onChanged();
  };
  const step = rollout.canaryStep ? 'canary' : `${rollout.percent ?? 0}%`;
  const failed = rollout.failed ?? [];
  return (
    <div class="rollout" data-testid="rollout" data-phase={rollout.phase}>
      <progress max={rollout.stepCount ?? 1} value={rollout.step ?? 0} aria-label={`Step ${rollout.step} of ${rollout.stepCount}`} />
      <span>
        {rollout.phase === 'PAUSED' ? 'Paused at' : 'Rolling out:'} step {rollout.step}/{rollout.stepCount} ({step})
        {rollout.bakeSecondsLeft !== null && rollout.bakeSecondsLeft !== undefined && <>, {Math.ceil(rollout.bakeSecondsLeft)} s left in this step</>}
      </span>
      <span data-testid="healthy">{rollout.healthy} healthy</span>
      <span data-testid="failed" class={failed.length ? 'failed' : ''}>
        {failed.length} failed
      </span>
      {writer && (
        <span class="rollout-actions">
          {rollout.phase === 'PAUSED' ? (
            <button class="button small" type="button" onClick={() => void command('resume')}>
              Resume
            </button>
          ) : (
            <button class="button small" type="button" onClick={() => void command('pause')}>
              Pause
            </button>
          )}
          <button class="button small danger" type="button" onClick={() => void command('abort')}>
            Abort
          </button>
        </span>
      )}
      {problem && (
        <p class="alert alert-error small" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** The first 200 instances by id; the counts are of every instance (the per-cluster summary). */
function InstancesTable({ instances: all, summary }: { instances: Environment['instances']; summary: NonNullable<Environment['clusterSummary']> }) {
  const instances = all ?? [];
  const total = summary.reduce((n, c) => n + (c.instances ?? 0), 0);
  const converged = summary.reduce((n, c) => n + (c.converged ?? 0), 0);
  const [status, setStatus] = useState('');
  const [cluster, setCluster] = useState('');
  const clusters = [...new Set(instances.map((i) => i.cluster ?? ''))].sort();
  const shown = instances.filter((i) => (!status || i.status === status) && (!cluster || i.cluster === cluster));
  if (instances.length === 0) return <p class="muted small">No instance has reported yet.</p>;
  return (
    <div class="instances">
      <p class="small" data-testid="converged">
        {converged} of {total} instances converged{total > instances.length && ` (the first ${instances.length} shown)`}
        <select aria-label="Cluster" value={cluster} onChange={(e) => setCluster(e.currentTarget.value)}>
          <option value="">every cluster</option>
          {clusters.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="">any status</option>
          <option value="APPLIED">applied</option>
          <option value="FAILED">failed</option>
        </select>
      </p>
      <table class="table">
        <thead>
          <tr>
            <th>Instance</th>
            <th>Cluster</th>
            <th>Should run</th>
            <th>Runs</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((i) => (
            <tr key={i.id ?? ''} data-instance={i.id ?? ''} class={i.converged ? '' : 'lagging'}>
              <td>{i.id}</td>
              <td>{i.cluster}</td>
              <td>
                <Hash value={i.desiredVersion?.slice(0, 7)} />
              </td>
              <td>
                <Hash value={i.appliedVersion?.slice(0, 7)} />
              </td>
              <td>{i.status?.toLowerCase() ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function dedupe<T extends { hash: string }>(versions: readonly T[]): T[] {
  const seen = new Set<string>();
  return versions.filter((v) => !seen.has(v.hash) && seen.add(v.hash));
}
