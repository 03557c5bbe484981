import { useState } from 'preact/hooks';
import type { VariablesOf } from '../graphql.js';
import type { CREATE_WEBHOOK } from '../queries.js';

type Action = NonNullable<VariablesOf<typeof CREATE_WEBHOOK>['input']['actions']>[number];

/** The actions of main's commits, which are what a webhook delivers (reviews stay on proposal branches). */
const ACTIONS: readonly Action[] = ['CREATE', 'UPDATE', 'DELETE', 'ROLLBACK', 'REVERT', 'MERGE', 'IMPORT'];

/** What the form edits: the webhook's endpoint and filter. */
export interface WebhookDraft {
  readonly url: string;
  readonly pathPrefix: string;
  readonly actions: readonly Action[];
  readonly environments: string;
  readonly enabled: boolean;
}

export const NEW_WEBHOOK: WebhookDraft = { url: '', pathPrefix: '', actions: [], environments: '', enabled: true };

/** The environments field as the API wants it: names separated by commas or spaces. */
export function environmentsOf(draft: WebhookDraft): string[] {
  return draft.environments.split(/[\s,]+/).filter(Boolean);
}

/**
 * The fields of a webhook, for creating one and for changing one. The URL is checked for a scheme here; everything
 * else (the server's address guard among it) answers with a typed refusal, shown by the caller as `error`.
 */
export function WebhookForm({
  initial,
  label,
  submitLabel,
  withEnabled,
  error,
  onSubmit,
  onCancel,
}: {
  initial: WebhookDraft;
  label: string;
  submitLabel: string;
  withEnabled: boolean;
  error: string | null;
  onSubmit: (draft: WebhookDraft) => Promise<boolean>;
  onCancel?: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);
  const toggle = (action: Action): void =>
    setDraft({ ...draft, actions: draft.actions.includes(action) ? draft.actions.filter((a) => a !== action) : [...draft.actions, action] });
  const submit = async (): Promise<void> => {
    if (!/^https?:\/\/\S+$/i.test(draft.url.trim())) return setInvalid('The URL must start with http:// or https://.');
    setInvalid(null);
    setBusy(true);
    try {
      if ((await onSubmit({ ...draft, url: draft.url.trim(), pathPrefix: draft.pathPrefix.trim() })) && !withEnabled) setDraft(initial);
    } finally {
      setBusy(false);
    }
  };
  const shown = invalid ?? error;
  return (
    <form
      class="webhook-form"
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label class="field grow">
        <span>Payload URL</span>
        <input
          name="url"
          value={draft.url}
          placeholder="https://ci.example.com/hooks/cairn"
          autoComplete="off"
          onInput={(e) => setDraft({ ...draft, url: e.currentTarget.value })}
        />
      </label>
      <div class="webhook-form-row">
        <label class="field">
          <span>Documents under</span>
          <input name="pathPrefix" value={draft.pathPrefix} placeholder="any path" onInput={(e) => setDraft({ ...draft, pathPrefix: e.currentTarget.value })} />
        </label>
        <label class="field">
          <span>Environments' releases</span>
          <input
            name="environments"
            value={draft.environments}
            placeholder="none; * for all"
            onInput={(e) => setDraft({ ...draft, environments: e.currentTarget.value })}
          />
        </label>
        {withEnabled && (
          <label class="field inline">
            <input name="enabled" type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.currentTarget.checked })} />
            <span>Active</span>
          </label>
        )}
      </div>
      <fieldset class="webhook-actions">
        <legend class="muted small">Actions (none checked: every action)</legend>
        {ACTIONS.map((action) => (
          <label key={action} class="field inline">
            <input type="checkbox" name={`action-${action}`} checked={draft.actions.includes(action)} onChange={() => toggle(action)} />
            <span>{action.toLowerCase()}</span>
          </label>
        ))}
      </fieldset>
      {shown && (
        <p class="alert alert-error small" role="alert" data-testid="webhook-error">
          {shown}
        </p>
      )}
      <div class="confirm-actions">
        <button class="button primary small" type="submit" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button class="button ghost small" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
