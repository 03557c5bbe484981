import type { Api } from '../api.js';
import { FileDiffView } from '../components/file-diff-view.js';
import { Problem } from '../components/problem.js';
import { VersionPicker } from '../components/version-picker.js';
import { DraftInput } from '../components/draft-input.js';
import { COMPARE_CONFIGS, ENVIRONMENT_NAMES, NAMESPACES } from '../queries.js';
import { href, navigate } from '../route.js';
import { useLoad } from '../use-query.js';

/** Namespaces offered as suggestions: any other name can still be typed. */
const SUGGESTED_NAMESPACES = 500;

/** One side as the address keeps it: a namespace at a version, or one of its environments (as a cluster runs it). */
export interface Side {
  readonly namespace: string;
  readonly at: string;
  readonly environment: string;
  readonly cluster: string;
}

type Which = 'left' | 'right';
/** Address parameters per side: `l`, `la`, `le`, `lc` and `r`, `ra`, `re`, `rc`. */
const KEYS: Record<Which, Record<keyof Side, string>> = {
  left: { namespace: 'l', at: 'la', environment: 'le', cluster: 'lc' },
  right: { namespace: 'r', at: 'ra', environment: 're', cluster: 'rc' },
};

export function sideOf(params: URLSearchParams, which: Which, fallback: string): Side {
  const keys = KEYS[which];
  return {
    namespace: params.get(keys.namespace) ?? fallback,
    at: params.get(keys.at) ?? '',
    environment: params.get(keys.environment) ?? '',
    cluster: params.get(keys.cluster) ?? '',
  };
}

/** The compare page's address for two sides (also how the environments page links here). */
export function compareHref(ns: string, left: Side, right: Side, prefix = ''): string {
  const entries = (which: Which, side: Side): [string, string][] => (Object.keys(KEYS[which]) as (keyof Side)[]).map((k) => [KEYS[which][k], side[k]]);
  return href(ns, 'compare', Object.fromEntries([...entries('left', left), ...entries('right', right), ['prefix', prefix]]));
}

function sideInput(side: Side): { namespace: string; at?: string; environment?: string; cluster?: string } {
  return {
    namespace: side.namespace,
    ...(side.environment ? { environment: side.environment } : side.at ? { at: side.at } : {}),
    ...(side.cluster ? { cluster: side.cluster } : {}),
  };
}

/**
 * Any two configurations side by side, as their instances run them (the server's compareConfigs): two namespaces,
 * two versions, two environments, two clusters. Only the effective documents that differ are shown; both sides
 * are kept in the address, so a comparison can be linked.
 */
export function CompareView({ api, ns, params }: { api: Api; ns: string; params: URLSearchParams }) {
  const left = sideOf(params, 'left', ns);
  const right = sideOf(params, 'right', '');
  const prefix = params.get('prefix') ?? '';
  const go = (l: Side, r: Side, p = prefix): void => navigate(compareHref(ns, l, r, p));
  const ready = !!left.namespace && !!right.namespace;
  const loaded = useLoad(
    async () => (ready ? api.request(COMPARE_CONFIGS, { left: sideInput(left), right: sideInput(right), prefix: prefix || null }) : null),
    [api, ready, JSON.stringify([left, right, prefix])],
  );
  const names = useLoad(async () => {
    const page = await api.request(NAMESPACES, { first: SUGGESTED_NAMESPACES, after: null });
    return (page.namespaces?.edges ?? []).flatMap((e) => (e?.node?.name ? [e.node.name] : []));
  }, [api]);
  const answer = loaded.state === 'done' ? loaded.data?.compareConfigs : null;
  const result = answer?.__typename === 'CompareConfigsSuccess' ? answer.data : null;
  return (
    <section class="compare">
      <header class="view-header">
        <div>
          <h1>Compare</h1>
          <p class="muted">Two namespaces, versions, environments or clusters side by side, as their instances run them (overlays applied).</p>
        </div>
      </header>
      <datalist id="compare-namespaces">{names.state === 'done' && names.data.map((n) => <option key={n} value={n} />)}</datalist>
      <div class="compare-sides">
        <SideForm api={api} title="Left" which="left" side={left} onChange={(s) => go(s, right)} />
        <SideForm api={api} title="Right" which="right" side={right} onChange={(s) => go(left, s)} />
      </div>
      <div class="toolbar compare-prefix">
        <label class="field inline">
          <span>Only paths starting with</span>
          <DraftInput type="text" name="prefix" value={prefix} placeholder="services/" onCommit={(p) => go(left, right, p)} />
        </label>
      </div>
      {!ready && <p class="muted">Choose a namespace for each side.</p>}
      {ready && loaded.state === 'loading' && <p class="muted">Comparing…</p>}
      {loaded.state === 'error' && <p class="alert alert-error">{loaded.error.message}</p>}
      {result && (
        <div class="compare-result" data-testid="compare-result">
          <p class="muted small">
            {describe(left)} ({result.left?.shortHash ?? 'no version'}) → {describe(right)} ({result.right?.shortHash ?? 'no version'}):{' '}
            {result.files?.length ? `${result.files.length} document${result.files.length === 1 ? '' : 's'} differ.` : 'no effective document differs.'}
          </p>
          {result.files?.map((file) => (
            <FileDiffView key={file.path} file={file} />
          ))}
        </div>
      )}
      {answer && answer.__typename !== 'CompareConfigsSuccess' && <Problem result={answer} />}
    </section>
  );
}

function describe(side: Side): string {
  const where = side.environment ? `${side.namespace} / ${side.environment}` : `${side.namespace}${side.at ? ` @ ${side.at.slice(0, 12)}` : ''}`;
  return side.cluster ? `${where} on ${side.cluster}` : where;
}

/** One side: its namespace, then either a version of main or an environment, and optionally a cluster. */
function SideForm({ api, title, which, side, onChange }: { api: Api; title: string; which: Which; side: Side; onChange: (side: Side) => void }) {
  const environments = useLoad(async () => {
    if (!side.namespace) return [];
    const result = (await api.request(ENVIRONMENT_NAMES, { ns: side.namespace })).environments;
    return result?.__typename === 'EnvironmentsSuccess' ? result.data.flatMap((e) => (e.name ? [e.name] : [])) : [];
  }, [api, side.namespace]);
  const kind = side.environment ? 'environment' : 'version';
  const envs = environments.state === 'done' ? environments.data : [];
  return (
    <fieldset class="panel compare-side" data-side={which}>
      <legend class="panel-title">{title}</legend>
      <label class="field">
        Namespace
        <DraftInput
          type="text"
          name={`${which}-namespace`}
          list="compare-namespaces"
          value={side.namespace}
          autocomplete="off"
          onCommit={(namespace) => onChange({ namespace, at: '', environment: '', cluster: side.cluster })}
        />
      </label>
      <div class="compare-kind" role="radiogroup" aria-label={`${title}: what to compare`}>
        <label>
          <input type="radio" name={`${which}-kind`} checked={kind === 'version'} onChange={() => onChange({ ...side, environment: '' })} /> A version
        </label>
        <label>
          <input
            type="radio"
            name={`${which}-kind`}
            checked={kind === 'environment'}
            disabled={!envs.length}
            onChange={() => onChange({ ...side, at: '', environment: envs[0] ?? '' })}
          />{' '}
          An environment
        </label>
      </div>
      {kind === 'version' && side.namespace && (
        <VersionPicker
          api={api}
          ns={side.namespace}
          label="Version"
          value={side.at || null}
          allowHead
          onChange={(hash) => onChange({ ...side, at: hash ?? '' })}
        />
      )}
      {kind === 'environment' && (
        <label class="field">
          Environment
          <select name={`${which}-environment`} value={side.environment} onChange={(e) => onChange({ ...side, environment: e.currentTarget.value })}>
            {envs.map((env) => (
              <option key={env} value={env}>
                {env}
              </option>
            ))}
          </select>
        </label>
      )}
      <label class="field">
        Cluster (its overlays applied; empty: the base documents)
        <DraftInput type="text" name={`${which}-cluster`} value={side.cluster} autocomplete="off" onCommit={(cluster) => onChange({ ...side, cluster })} />
      </label>
    </fieldset>
  );
}
