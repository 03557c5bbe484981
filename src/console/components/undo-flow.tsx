import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { HEAD } from '../queries.js';
import { href } from '../route.js';
import { Timeline, type VersionInfo } from './timeline.js';
import { LoadMore } from './load-more.js';
import { useTags, useVersionPages } from './version-list.js';
import { VersionPicker } from './version-picker.js';
import { type Outcome, OutcomeView, PreviewView } from './write-outcome.js';

/** How a rollback or a revert is asked for: the same steps, a different mutation. */
export interface UndoKind {
  readonly verb: string;
  readonly pickLabel: string;
  /** Versions that make sense to pick (a rollback to the head changes nothing). */
  readonly pickable: (v: VersionInfo, index: number) => boolean;
  run(api: Api, input: { version: string; expectedVersion: string; dryRun: boolean; comment: string | undefined }): Promise<Outcome>;
  /** What to show instead of a preview's refusal (a revert's conflicts to resolve); null: the refusal itself. */
  readonly refusal?: (outcome: Outcome) => preact.ComponentChildren;
}

type Phase =
  | { readonly step: 'idle' }
  | { readonly step: 'previewing' }
  | { readonly step: 'preview'; readonly outcome: Outcome; readonly revision: number }
  | { readonly step: 'confirming'; readonly outcome: Outcome }
  | { readonly step: 'done'; readonly outcome: Outcome };

/**
 * Pick a version, see the preview (computed against the head read just before: the server's dry run), read the
 * validation, confirm. The confirmation names the previewed head as expectedVersion, so a change made meanwhile is
 * refused instead of silently rolled over.
 */
export function UndoFlow({
  api,
  ns,
  kind,
  picked,
  onPick,
  revision,
  options,
  approvalRequired,
}: {
  api: Api;
  ns: string;
  kind: UndoKind;
  picked: string | null;
  onPick: (hash: string) => void;
  revision: number;
  options?: preact.ComponentChildren;
  /** Shown under a refusal for want of approval (the paths refused): what to do instead, e.g. propose it. */
  approvalRequired?: (picked: string, paths: readonly string[]) => preact.ComponentChildren;
}) {
  const versions = useVersionPages(api, ns, null, revision);
  const tags = useTags(api, ns, revision);
  const [phase, setPhase] = useState<Phase>({ step: 'idle' });
  const [comment, setComment] = useState('');
  // Only the latest preview asked for may land: picking quickly must not show an older pick's answer.
  const latest = useRef(0);
  // The feed's revision when the preview was asked for: a later one means the namespace moved on meanwhile.
  const revisionNow = useRef(revision);
  revisionNow.current = revision;
  const preview = async (): Promise<void> => {
    if (!picked) return;
    const request = ++latest.current;
    const askedAt = revisionNow.current;
    setPhase({ step: 'previewing' });
    let outcome: Outcome;
    try {
      const head = await api.request(HEAD, { ns });
      const expectedVersion = head.namespace?.__typename === 'Namespace' ? (head.namespace.head?.hash ?? '') : '';
      outcome = await kind.run(api, { version: picked, expectedVersion, dryRun: true, comment: undefined });
    } catch (error) {
      outcome = { __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message };
    }
    if (request === latest.current) setPhase({ step: 'preview', outcome, revision: askedAt });
  };
  // A new kind (a rollback's paths changed) or a new pick: preview again.
  useEffect(() => void preview(), [picked, kind]);
  const confirm = async (outcome: Outcome): Promise<void> => {
    if (!picked || outcome.__typename !== 'WritePayload' || !outcome.base?.hash) return;
    setPhase({ step: 'confirming', outcome });
    try {
      setPhase({
        step: 'done',
        outcome: await kind.run(api, { version: picked, expectedVersion: outcome.base.hash, dryRun: false, comment: comment.trim() || undefined }),
      });
    } catch (error) {
      setPhase({ step: 'done', outcome: { __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message } });
    }
  };
  const shown = phase.step === 'preview' || phase.step === 'confirming' ? phase.outcome : null;
  // The server would refuse it (expectedVersion is the previewed head); say so before the reader confirms.
  const stale = phase.step === 'preview' && phase.revision !== revision;
  const canConfirm =
    !stale && shown?.__typename === 'WritePayload' && shown.status === 'PREVIEW' && (shown.files?.length ?? 0) > 0 && !(shown.validation?.length ?? 0);
  return (
    <div class="undo">
      <div class="panel">
        <h2 class="panel-title">1. {kind.pickLabel}</h2>
        {versions.state === 'loading' && <p class="muted">Loading…</p>}
        {versions.state === 'error' && <p class="alert alert-error">{versions.error?.message}</p>}
        {versions.state === 'done' && (
          <div class="picker">
            <VersionPicker api={api} ns={ns} label="Find a version" value={picked} onChange={(hash) => hash && onPick(hash)} />
            <Timeline versions={versions.items.filter(kind.pickable)} tags={tags.byVersion} selected={picked} onSelect={(v) => v.hash && onPick(v.hash)} />
            <LoadMore pages={versions} noun="versions" />
          </div>
        )}
        {options}
      </div>
      <div class="panel">
        <h2 class="panel-title">2. Preview</h2>
        {!picked && <p class="muted">Pick a version above to see what would change.</p>}
        {phase.step === 'previewing' && <p class="muted">Computing the preview…</p>}
        {shown &&
          (shown.__typename === 'WritePayload' && shown.status === 'PREVIEW' ? (
            <PreviewView preview={shown} />
          ) : (
            (kind.refusal?.(shown) ?? <OutcomeView outcome={shown} />)
          ))}
        {phase.step === 'done' && <OutcomeView outcome={phase.outcome} />}
        {picked && approvalRequired && refusedPaths(phase) && approvalRequired(picked, refusedPaths(phase) ?? [])}
        {phase.step === 'done' && !(phase.outcome.__typename === 'WritePayload' && phase.outcome.status === 'COMMITTED') && (
          <button class="button" type="button" onClick={() => void preview()}>
            Preview again
          </button>
        )}
      </div>
      {shown?.__typename === 'WritePayload' && shown.status === 'PREVIEW' && (
        <form
          class="panel confirm"
          onSubmit={(event) => {
            event.preventDefault();
            void confirm(shown);
          }}
        >
          <h2 class="panel-title">3. Confirm</h2>
          <label class="field">
            <span>Comment (the commit message)</span>
            <input name="comment" value={comment} placeholder={`Why this ${kind.verb.toLowerCase()}?`} onInput={(e) => setComment(e.currentTarget.value)} />
          </label>
          {stale && (
            <p class="alert alert-error" data-testid="stale-preview">
              The namespace changed since this preview: preview again before you confirm.
            </p>
          )}
          <div class="confirm-actions">
            <button class="button danger" type="submit" disabled={!canConfirm || phase.step === 'confirming'}>
              {kind.verb}
            </button>
            <button class="button" type="button" onClick={() => void preview()}>
              Preview again
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** The paths a preview or a confirmation was refused for, for want of an approved change request. */
function refusedPaths(phase: Phase): readonly string[] | null {
  const outcome = phase.step === 'preview' || phase.step === 'confirming' || phase.step === 'done' ? phase.outcome : null;
  return outcome?.__typename === 'ApprovalRequired' ? (outcome.paths ?? []) : null;
}

/**
 * What a viewer reads instead of the flow: the server computes a preview as a dry run of the write and checks it
 * like one (editors), so a preview button would only ever be refused. The read-only views show the same changes.
 */
export function PreviewNeedsEditor({ ns, verb }: { ns: string; verb: string }) {
  return (
    <>
      {verb} and its preview need the editor role (the server computes a preview as a dry run of the write, checked like the write). What each version changed
      is under <a href={href(ns, 'versions')}>Versions</a> (Show changes), and a document's Diff tab compares any two of its versions.
    </>
  );
}
