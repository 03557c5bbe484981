import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import { PROMOTE, RELEASE, ROLLBACK_ENVIRONMENT } from '../queries.js';
import { FileDiffView } from './file-diff-view.js';

type Result = NonNullable<ResultOf<typeof RELEASE>['release']>;
type Mode = 'release' | 'promote' | 'rollback';

export interface ReleaseTarget {
  readonly name: string;
  readonly promotesFrom: string | null;
  /** The version `promotesFrom` runs, as the page last read it: a promotion previews and confirms that one. */
  readonly promotesFromVersion: string | null;
  /** The environment's current release commit: what every write here expects. */
  readonly current: string | null;
  /** Versions it ran before, newest first, for a rollback. */
  readonly earlier: readonly { readonly hash: string; readonly shortHash: string }[];
}

/**
 * Release a version, promote from the environment it takes its versions from, or roll back to a version it ran:
 * always a preview first (the diff from what it runs now), then the commit, expecting the release it was previewed on.
 */
export function ReleaseForm({ api, ns, env, onDone }: { api: Api; ns: string; env: ReleaseTarget; onDone: () => void }) {
  const [mode, setMode] = useState<Mode>('release');
  const [version, setVersion] = useState('');
  const [steps, setSteps] = useState('');
  const [bake, setBake] = useState('');
  const [target, setTarget] = useState('');
  const [preview, setPreview] = useState<{ result: Result; expected: string | null; pinned: string | null } | null>(null);
  const [outcome, setOutcome] = useState<Result | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (dryRun: boolean, expected: string | null, pinned: string | null): Promise<Result | null> => {
    const common = { namespace: ns, dryRun, expectedRelease: expected };
    if (mode === 'promote') {
      return (await api.request(PROMOTE, { input: { ...common, from: env.promotesFrom ?? '', to: env.name, version: pinned } })).promote ?? null;
    }
    if (mode === 'rollback')
      return (await api.request(ROLLBACK_ENVIRONMENT, { input: { ...common, environment: env.name, to: target } })).rollbackEnvironment ?? null;
    const strategy = steps.trim() ? { steps: steps.split(',').map((s) => Number(s.trim())), bakeSeconds: bake ? Number(bake) : 0 } : undefined;
    return (await api.request(RELEASE, { input: { ...common, environment: env.name, version: version.trim(), strategy } })).release ?? null;
  };
  const run = async (dryRun: boolean): Promise<void> => {
    setBusy(true);
    try {
      // The confirmation commits what the preview showed: the same expected release, the same version promoted.
      const expected = dryRun ? env.current : (preview?.expected ?? env.current);
      const pinned = dryRun ? env.promotesFromVersion : (preview?.pinned ?? env.promotesFromVersion);
      const result = await send(dryRun, expected, pinned);
      if (dryRun && result?.__typename === 'WritePayload') setPreview({ result, expected, pinned });
      else {
        setPreview(null);
        setOutcome(result);
        if (result?.__typename === 'WritePayload') onDone();
      }
    } catch (error) {
      setOutcome({ __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  // A preview stands for what it was computed from: any edit takes it away, so what is confirmed was previewed.
  const edit = (set: (value: string) => void, value: string): void => {
    set(value);
    setPreview(null);
    setOutcome(null);
  };
  const ready = mode === 'release' ? version.trim() !== '' : mode === 'rollback' ? target !== '' : env.promotesFrom !== null;
  const label = mode === 'release' ? 'Release' : mode === 'promote' ? `Promote from ${env.promotesFrom}` : 'Roll back';
  return (
    <form
      class="release-form"
      aria-label={`Release to ${env.name}`}
      onSubmit={(event) => {
        event.preventDefault();
        void run(true);
      }}
    >
      <label class="field inline">
        <span>Action</span>
        <select
          name="mode"
          value={mode}
          onChange={(e) => {
            setMode(e.currentTarget.value as Mode);
            setPreview(null);
            setOutcome(null);
          }}
        >
          <option value="release">Release a version</option>
          {env.promotesFrom && <option value="promote">Promote from {env.promotesFrom}</option>}
          {env.earlier.length > 0 && <option value="rollback">Roll back</option>}
        </select>
      </label>
      {mode === 'release' && (
        <>
          <label class="field inline">
            <span>Version</span>
            <input name="version" value={version} placeholder="hash, tag, HEAD" onInput={(e) => edit(setVersion, e.currentTarget.value)} />
          </label>
          <label class="field inline">
            <span>Steps (%)</span>
            <input name="steps" value={steps} placeholder="10,50,100" onInput={(e) => edit(setSteps, e.currentTarget.value)} />
          </label>
          <label class="field inline">
            <span>Bake (s)</span>
            <input name="bake" value={bake} inputMode="numeric" placeholder="300" onInput={(e) => edit(setBake, e.currentTarget.value)} />
          </label>
        </>
      )}
      {mode === 'rollback' && (
        <label class="field inline">
          <span>Back to</span>
          <select name="to" value={target} onChange={(e) => edit(setTarget, e.currentTarget.value)}>
            <option value="">choose a version it ran</option>
            {env.earlier.map((v) => (
              <option key={v.hash} value={v.hash}>
                {v.shortHash}
              </option>
            ))}
          </select>
        </label>
      )}
      <button class="button small" type="submit" disabled={busy || !ready}>
        Preview
      </button>
      {preview && (
        <div class="release-preview" data-testid="release-preview">
          <p class="preview-summary">
            <strong>{preview.result.__typename === 'WritePayload' ? (preview.result.files ?? []).length : 0}</strong> document(s) would change in {env.name}
          </p>
          {preview.result.__typename === 'WritePayload' &&
            (preview.result.files ?? []).map((file) => <FileDiffView key={file.path} file={file} text={false} />)}
          <button class="button small primary" type="button" disabled={busy} onClick={() => void run(false)}>
            {label}
          </button>
        </div>
      )}
      {outcome && (
        <p
          class={`alert small ${outcome.__typename === 'WritePayload' ? 'alert-ok' : 'alert-error'}`}
          role={outcome.__typename === 'WritePayload' ? 'status' : 'alert'}
          data-testid="release-outcome"
          data-outcome={outcome.__typename}
        >
          {outcome.__typename === 'WritePayload'
            ? `✓ ${outcome.status === 'UNCHANGED' ? 'Already released' : 'Done'}`
            : (outcome.message ?? outcome.__typename)}
        </p>
      )}
    </form>
  );
}
