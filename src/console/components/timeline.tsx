import type { ComponentChildren } from 'preact';
import type { Api } from '../api.js';
import type { ResultOf } from '../graphql.js';
import type { VERSION } from '../queries.js';
import { ActionBadge, Hash, Time } from './badges.js';
import { ValueChangesToggle } from './version-changes.js';

export type VersionInfo = ResultOf<typeof VERSION>;

/** Versions as a vertical timeline, newest first: what was done, by whom, when, and why. */
export function Timeline({
  versions,
  actions,
  selected,
  onSelect,
  tags,
  expand,
}: {
  versions: readonly VersionInfo[];
  actions?: (v: VersionInfo, index: number) => ComponentChildren;
  selected?: string | null;
  onSelect?: (v: VersionInfo) => void;
  tags?: ReadonlyMap<string, readonly string[]>;
  /** Each row can open the values its version changed (read from the server when opened). */
  expand?: { readonly api: Api; readonly ns: string };
}) {
  if (!versions.length) return <p class="muted">No versions yet.</p>;
  return (
    <ol class="timeline">
      {versions.map((v, i) => (
        <li
          key={v.hash}
          class={`timeline-item${selected === v.hash ? ' selected' : ''}${onSelect ? ' selectable' : ''}`}
          data-hash={v.hash}
          {...(onSelect
            ? {
                role: 'button',
                tabIndex: 0,
                'aria-pressed': selected === v.hash,
                onClick: () => onSelect(v),
                onKeyDown: (e: KeyboardEvent) => {
                  if (e.key !== 'Enter' && e.key !== ' ') return;
                  e.preventDefault();
                  onSelect(v);
                },
              }
            : {})}
        >
          <span class={`timeline-dot action-${(v.action ?? 'git').toLowerCase()}`} />
          <div class="timeline-body">
            <div class="timeline-head">
              <ActionBadge action={v.action} />
              <span class="timeline-comment">{v.comment || <span class="muted">no comment</span>}</span>
              {(tags?.get(v.hash ?? '') ?? []).map((name) => (
                <span key={name} class="tag" title={`tag ${name}`}>
                  {name}
                </span>
              ))}
            </div>
            <div class="timeline-meta muted small">
              <span class="operator" title={v.operator?.email ?? undefined}>
                {v.operator?.name ?? v.operator?.email ?? 'unknown'}
              </span>
              {' · '}
              <Time iso={v.timestamp} />
              {v.importedBy && (
                <span class="imported" data-testid="imported">
                  {' · authored '}
                  <Time iso={v.authoredAt} />
                  {', imported by '}
                  <span title={v.importedBy.email ?? undefined}>{v.importedBy.name ?? v.importedBy.email}</span>
                </span>
              )}
              {' · '}
              <Hash value={v.shortHash} />
              {v.rollbackTo && (
                <>
                  {' '}
                  · rolls back to <Hash value={v.rollbackTo.shortHash} />
                </>
              )}
              {v.reverts && (
                <>
                  {' '}
                  · reverts <Hash value={v.reverts.shortHash} />
                </>
              )}
              {v.forced && <span class="badge warn">forced</span>}
              {v.emergency && <span class="badge warn">emergency</span>}
            </div>
            {v.changes && v.changes.length > 0 && (
              <div class="timeline-paths small">
                {v.changes.map((c) => (
                  <span key={c.path} class={`path-chip status-${(c.status ?? '').toLowerCase()}`}>
                    {c.path}
                  </span>
                ))}
              </div>
            )}
            {expand && v.hash && <ValueChangesToggle api={expand.api} ns={expand.ns} hash={v.hash} />}
            {actions && <div class="timeline-extra">{actions(v, i)}</div>}
          </div>
        </li>
      ))}
    </ol>
  );
}
