import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { formatValue, readablePointer } from '../format.js';
import { REVERT } from '../queries.js';
import { href } from '../route.js';
import { Hash, Time } from './badges.js';
import { type Outcome, OutcomeView } from './write-outcome.js';

export type RevertConflict = Extract<Outcome, { __typename: 'RevertConflict' }>;
type Conflict = NonNullable<RevertConflict['conflicts']>[number];
type Value = NonNullable<Conflict['values']>[number];
interface Side {
  readonly present: boolean | null;
  readonly value?: unknown;
}

/** Where a chosen value comes from: 'before', 'current', 'later:<hash>' or 'custom' (typed JSON). */
interface Choice {
  readonly source: string;
  readonly custom: string;
}

interface Resolution {
  path: string;
  pointer: string;
  value?: unknown;
  remove?: boolean;
}

const keyOf = (path: string, pointer: string): string => `${path}\u0000${pointer}`;

/**
 * A revert refused because later versions changed the same values: for each value, its competing values (what the
 * revert would restore, the head's, each later version's with who, when and why), one picked or typed as JSON, then
 * the revert committed with those values in one commit, guarded by the head the conflict was computed against.
 */
export function RevertResolver({ api, ns, conflict, expectedVersion }: { api: Api; ns: string; conflict: RevertConflict; expectedVersion: string }) {
  const [shown, setShown] = useState(conflict);
  const [choices, setChoices] = useState<ReadonlyMap<string, Choice>>(new Map());
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const values = (shown.conflicts ?? []).flatMap((c) => (c.values ?? []).map((v) => ({ path: c.path ?? '', pointer: v.pointer ?? '', value: v })));
  const resolutions = values.map(({ path, pointer, value }) => resolutionOf(path, pointer, value, choices.get(keyOf(path, pointer))));
  const chosen = resolutions.filter((r): r is Resolution => r !== null && r !== 'invalid');
  const ready = chosen.length === values.length;
  const choose = (path: string, pointer: string, choice: Choice): void => setChoices(new Map(choices).set(keyOf(path, pointer), choice));
  const commit = async (): Promise<void> => {
    if (!ready) return;
    setBusy(true);
    try {
      const input = {
        namespace: ns,
        version: shown.revertedVersion ?? '',
        expectedVersion,
        comment: comment.trim() || undefined,
        resolutions: chosen,
      };
      const result = (await api.request(REVERT, { input })).revert;
      if (result?.__typename === 'RevertConflict') {
        setShown(result);
        setChoices(new Map());
      }
      setOutcome(result ?? null);
    } catch (error) {
      setOutcome({ __typename: 'InvalidInput', code: 'CONSOLE', message: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const committed = outcome?.__typename === 'WritePayload' && outcome.status === 'COMMITTED';
  return (
    <div class="revert-resolver" data-testid="revert-resolver">
      <OutcomeView outcome={shown} />
      {!committed &&
        values.map(({ path, pointer, value }) => (
          <ValueChoices
            key={keyOf(path, pointer)}
            ns={ns}
            path={path}
            pointer={pointer}
            value={value}
            choice={choices.get(keyOf(path, pointer))}
            onChoose={(choice) => choose(path, pointer, choice)}
          />
        ))}
      {!committed && (
        <form
          class="form-actions"
          onSubmit={(event) => {
            event.preventDefault();
            void commit();
          }}
        >
          <label class="field grow">
            <span>Comment (the commit message)</span>
            <input name="resolve-comment" value={comment} placeholder="Why this revert, and these values?" onInput={(e) => setComment(e.currentTarget.value)} />
          </label>
          <button class="button danger" type="submit" disabled={!ready || busy}>
            Commit revert
          </button>
          {!ready && <span class="muted small">Choose a value for each conflicting value.</span>}
        </form>
      )}
      {outcome && outcome.__typename !== 'RevertConflict' && <OutcomeView outcome={outcome} />}
    </div>
  );
}

/** What the choice commits: null when none is made yet, 'invalid' for typed text that is not JSON. */
function resolutionOf(path: string, pointer: string, value: Value, choice: Choice | undefined): Resolution | 'invalid' | null {
  if (!choice) return null;
  if (choice.source === 'custom') {
    const parsed = parseJson(choice.custom);
    return parsed.ok ? { path, pointer, value: parsed.value } : 'invalid';
  }
  const side = sideOf(value, choice.source);
  if (!side) return null;
  return side.present ? { path, pointer, value: side.value ?? null } : { path, pointer, remove: true };
}

function sideOf(value: Value, source: string): Side | null {
  if (source === 'before') return value.before;
  if (source === 'current') return value.current;
  return value.laterVersions?.find((l) => `later:${l.version?.hash}` === source)?.value ?? null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!text.trim()) return { ok: false, error: 'Type a JSON value (a string needs quotes).' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function ValueChoices({
  ns,
  path,
  pointer,
  value,
  choice,
  onChoose,
}: {
  ns: string;
  path: string;
  pointer: string;
  value: Value;
  choice: Choice | undefined;
  onChoose: (choice: Choice) => void;
}) {
  const name = `resolve-${path}-${pointer}`;
  const custom = choice?.custom ?? '';
  const option = (source: string, label: preact.ComponentChildren, side: Side | null) => (
    <label class={`resolve-option${choice?.source === source ? ' chosen' : ''}`} data-source={source}>
      <input type="radio" name={name} checked={choice?.source === source} onChange={() => onChoose({ source, custom })} />
      <span class="resolve-label">{label}</span>
      <SideText side={side} />
    </label>
  );
  const parsed = choice?.source === 'custom' ? parseJson(custom) : null;
  return (
    <fieldset class="panel resolve-value" data-testid="resolve-value" data-path={path} data-pointer={pointer}>
      <legend>
        <code>{path}</code> <code class="pointer">{readablePointer(pointer)}</code>
      </legend>
      <p class="muted small">
        The reverted version set it to <SideText side={value.after} />; {value.laterVersions?.length ?? 0} later version
        {value.laterVersions?.length === 1 ? '' : 's'} changed it again. Choose what the revert commits:
      </p>
      {option('before', <strong>Restore: as before the reverted version</strong>, value.before)}
      {option('current', <strong>Keep the head’s value</strong>, value.current)}
      {(value.laterVersions ?? []).map((later) => {
        const version = later.version;
        return option(
          `later:${version?.hash}`,
          <>
            <a href={href(ns, { doc: path }, { at: version?.hash ?? undefined })}>
              <Hash value={version?.shortHash} />
            </a>{' '}
            <span class="operator" title={version?.operator?.email ?? undefined}>
              {version?.operator?.name}
            </span>{' '}
            <span class="muted small">
              <Time iso={version?.timestamp} />
            </span>
            {version?.comment && <span class="resolve-comment"> “{version.comment}”</span>}
          </>,
          later.value,
        );
      })}
      {value.truncated && <p class="muted small">More versions changed this document than are listed: the oldest are left out.</p>}
      <label class={`resolve-option${choice?.source === 'custom' ? ' chosen' : ''}`} data-source="custom">
        <input type="radio" name={name} checked={choice?.source === 'custom'} onChange={() => onChoose({ source: 'custom', custom })} />
        <span class="resolve-label">
          <strong>Another value</strong> (JSON)
        </span>
        <textarea
          class="resolve-custom"
          rows={1}
          aria-label={`Custom JSON value for ${pointer || '/'}`}
          value={custom}
          onFocus={() => onChoose({ source: 'custom', custom })}
          onInput={(e) => onChoose({ source: 'custom', custom: e.currentTarget.value })}
        />
      </label>
      {parsed && !parsed.ok && (
        <p class="field-error small" role="alert">
          Not JSON: {parsed.error}
        </p>
      )}
    </fieldset>
  );
}

function SideText({ side }: { side: Side | null }) {
  if (!side) return null;
  if (!side.present) return <span class="muted small">absent (removed)</span>;
  // A whole document can be long: shortened here, in full on hover.
  return (
    <code class="value" title={JSON.stringify(side.value, null, 2)}>
      {formatValue(side.value)}
    </code>
  );
}
