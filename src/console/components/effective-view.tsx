import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import { formatValue, readablePointer } from '../format.js';
import { CLUSTER_NAME, clustersIn, overlayFolderOf, overlayOf, overlayPathOf } from '../overlay-paths.js';
import { mayWrite, useOperator } from '../permissions.js';
import { DOCUMENTS_UNDER, EFFECTIVE_CONFIG } from '../queries.js';
import { href } from '../route.js';
import { useLoad } from '../use-query.js';
import { Hash, Time } from './badges.js';
import { CodeBlock } from './code-block.js';
import { OverlayOpsEditor } from './overlay-ops-editor.js';

interface EffectiveProps {
  readonly api: Api;
  readonly ns: string;
  readonly path: string;
  readonly cluster: string | null;
  readonly onCluster: (cluster: string | undefined) => void;
  readonly revision: number;
}

/**
 * A document as one cluster runs it: the base with the cluster's overlay applied, each field beside the layer that set
 * it (the base, or the overlay's operation) and the version that last set it there. On an overlay document, the
 * overlay itself as a list of operations.
 */
export function EffectiveTab(props: EffectiveProps) {
  const overlay = overlayOf(props.path);
  if (overlay) return <OverlayDocument api={props.api} ns={props.ns} stem={overlay.stem} cluster={overlay.cluster} revision={props.revision} />;
  return <EffectiveOfBase {...props} />;
}

async function documentsUnder(api: Api, ns: string, prefix: string): Promise<string[]> {
  const data = await api.request(DOCUMENTS_UNDER, { ns, prefix });
  const configs = data.namespace?.__typename === 'Namespace' ? data.namespace.configs : null;
  if (configs?.__typename !== 'ConfigsSuccess') return [];
  return configs.data.map((d) => d.path ?? '');
}

function EffectiveOfBase({ api, ns, path, cluster, onCluster, revision }: EffectiveProps) {
  const [saved, setSaved] = useState(0);
  const [editing, setEditing] = useState(false);
  const [typed, setTyped] = useState('');
  const folder = overlayFolderOf(path);
  const clusters = useLoad(() => documentsUnder(api, ns, folder).then((paths) => clustersIn(folder, paths)), [api, ns, folder, revision, saved]);
  const effective = useLoad(() => api.request(EFFECTIVE_CONFIG, { ns, path, cluster }), [api, ns, path, cluster, revision, saved]);
  const editor = mayWrite(useOperator());
  const known = clusters.state === 'done' ? clusters.data : [];
  const options = cluster && !known.includes(cluster) ? [...known, cluster] : known;
  const typedOk = CLUSTER_NAME.test(typed);
  return (
    <div class="panel effective" data-testid="effective">
      <div class="effective-controls">
        <label class="field">
          <span>Cluster</span>
          <select
            name="cluster"
            aria-label="Cluster"
            value={cluster ?? ''}
            onChange={(e) => {
              setEditing(false);
              onCluster(e.currentTarget.value || undefined);
            }}
          >
            <option value="">(none: the base document)</option>
            {options.map((c) => (
              <option key={c} value={c}>
                {c}
                {known.includes(c) ? '' : ' (no overlay)'}
              </option>
            ))}
          </select>
        </label>
        <form
          class="field inline"
          onSubmit={(event) => {
            event.preventDefault();
            if (!typedOk) return;
            setEditing(false);
            onCluster(typed);
            setTyped('');
          }}
        >
          <input name="other-cluster" placeholder="another cluster" value={typed} onInput={(e) => setTyped(e.currentTarget.value.trim())} />
          <button class="button" type="submit" disabled={!typedOk}>
            Show
          </button>
        </form>
        {editor && cluster && !editing && (
          <button class="button primary" type="button" onClick={() => setEditing(true)}>
            {known.includes(cluster) ? `Edit the overlay of cluster ${cluster}` : `Create an overlay for cluster ${cluster}`}
          </button>
        )}
      </div>
      {typed && !typedOk && (
        <p class="field-error small">A cluster name is 1 to 63 lowercase letters, digits and "-", starting and ending with a letter or digit.</p>
      )}
      {editing && cluster && (
        <OverlayOpsEditor api={api} ns={ns} basePath={path} cluster={cluster} onSaved={() => setSaved((n) => n + 1)} onClose={() => setEditing(false)} />
      )}
      {effective.state === 'loading' && <p class="muted">Applying the overlay…</p>}
      {effective.state === 'error' && <p class="alert alert-error">{effective.error.message}</p>}
      {effective.state === 'done' && <EffectiveResult ns={ns} path={path} answer={effective.data} />}
    </div>
  );
}

type Answer = ResultOf<typeof EFFECTIVE_CONFIG>;

function EffectiveResult({ ns, path, answer }: { ns: string; path: string; answer: Answer }) {
  const result = answer.namespace?.__typename === 'Namespace' ? answer.namespace.effectiveConfig : answer.namespace;
  if (!result) return <p class="alert alert-error">No answer.</p>;
  if (result.__typename === 'OverlayConflict') {
    return (
      <div class="alert alert-error">
        <strong>The overlay does not apply to the base:</strong>
        <ul>
          {(result.overlays ?? []).map((o) => (
            <li key={o.overlayPath}>
              <code>{o.overlayPath}</code>
              {o.opIndex !== null && o.opIndex !== undefined && ` (op #${o.opIndex})`}: {o.reason}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if (result.__typename !== 'EffectiveConfig') return <p class="alert alert-error">{result.message ?? result.__typename}</p>;
  const fields = result.fields ?? [];
  return (
    <>
      <p class="muted small">
        {result.cluster ? (
          result.overlayPath ? (
            <>
              The base with <a href={href(ns, { doc: result.overlayPath })}>{result.overlayPath}</a> applied (
              {(Array.isArray(result.overlay) ? result.overlay : []).length} operations)
            </>
          ) : (
            <>Cluster {result.cluster} has no overlay: it runs the base document</>
          )
        ) : (
          <>The base document, no overlay</>
        )}
        , at <Hash value={result.at?.shortHash} />.
      </p>
      <div class="effective-columns">
        <CodeBlock text={`${JSON.stringify(result.content, null, 2)}\n`} format="JSON" />
        <table class="audit provenance" data-testid="provenance">
          <thead>
            <tr>
              <th>Field</th>
              <th>Value</th>
              <th>Layer</th>
              <th>Set by</th>
              <th>Version</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => {
              const base = f.layer === 'BASE';
              const source = base ? path : (result.overlayPath ?? overlayPathOf(path, f.layer ?? ''));
              return (
                <tr key={f.pointer} data-pointer={f.pointer} data-layer={f.layer} data-op={f.opIndex ?? undefined}>
                  <td>
                    <code class="blame-pointer">{readablePointer(f.pointer ?? '')}</code>
                  </td>
                  <td>
                    <code class="value">{formatValue(f.value)}</code>
                  </td>
                  <td class="nowrap">{base ? <span class="muted">BASE</span> : <span class="layer-overlay">{`${f.layer}, op #${f.opIndex ?? '?'}`}</span>}</td>
                  <td>
                    <span class="operator" title={f.version?.operator?.email ?? undefined}>
                      {f.version?.operator?.name}
                    </span>{' '}
                    <span class="muted small">
                      <Time iso={f.version?.timestamp} />
                    </span>
                    {f.version?.comment && <div class="small">{f.version.comment}</div>}
                  </td>
                  <td>
                    <a href={href(ns, { doc: source }, { at: f.version?.hash ?? undefined })} title={`${source} at this version`}>
                      <Hash value={f.version?.shortHash} />
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** An overlay document's own page: its operations, edited against its base. */
function OverlayDocument({ api, ns, stem, cluster, revision }: { api: Api; ns: string; stem: string; cluster: string; revision: number }) {
  const editor = mayWrite(useOperator());
  const base = useLoad(
    () => documentsUnder(api, ns, stem).then((paths) => paths.find((p) => /^\.(?:ya?ml|json)$/.test(p.slice(stem.length))) ?? null),
    [api, ns, stem, revision],
  );
  if (base.state === 'loading') return <p class="muted">Finding the base document…</p>;
  if (base.state === 'error') return <p class="alert alert-error">{base.error.message}</p>;
  if (!base.data) return <p class="alert alert-error">No base document ({stem}.yaml, .yml or .json) for this overlay.</p>;
  return (
    <div class="panel">
      <p class="muted small">
        The overlay of cluster <strong>{cluster}</strong> on <a href={href(ns, { doc: base.data }, { tab: 'effective', cluster })}>{base.data}</a>: an RFC 6902
        patch, applied in order.
      </p>
      {editor ? (
        <OverlayOpsEditor api={api} ns={ns} basePath={base.data} cluster={cluster} />
      ) : (
        <p class="muted small">Editing an overlay takes the editor role; its operations are under Content, their effect under the base's Effective tab.</p>
      )}
    </div>
  );
}
