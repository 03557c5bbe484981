import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { CREATE_NAMESPACE, VIEWER_GRANTS } from '../queries.js';
import { useLoad } from '../use-query.js';

/**
 * Whether to offer "New namespace": the server creates one for an operator with admin on the new name
 * (services/namespaces.ts), so an operator with no admin grant anywhere is never offered it. Which names a grant
 * covers is the server's to say: a name outside them comes back as Forbidden, shown like every refusal.
 */
export function useMayCreateNamespaces(api: Api): boolean {
  const loaded = useLoad(() => api.request(VIEWER_GRANTS, {}), [api]);
  return loaded.state === 'done' && (loaded.data.viewer?.grants ?? []).some((g) => g.role === 'ADMIN');
}

interface Refusal {
  readonly code: string;
  readonly message: string;
}

/** A name, a Create button, and the server's typed refusal (taken, invalid, forbidden) when there is one. */
export function NewNamespaceForm({ api, onCreated, onCancel }: { api: Api; onCreated: (name: string) => void; onCancel?: () => void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setRefusal(null);
    try {
      const result = (await api.request(CREATE_NAMESPACE, { name: name.trim() })).createNamespace;
      if (result?.__typename === 'Namespace') onCreated(result.name ?? name.trim());
      else
        setRefusal({
          code: (result && 'code' in result ? result.code : null) ?? 'UNKNOWN',
          message: (result && 'message' in result ? result.message : null) ?? 'Refused',
        });
    } catch (error) {
      setRefusal({ code: 'NETWORK', message: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="new-namespace-form" onSubmit={(e) => void submit(e)}>
      <label class="field">
        Name
        <input
          type="text"
          name="namespace"
          value={name}
          required
          placeholder="payments"
          autocomplete="off"
          spellcheck={false}
          onInput={(e) => setName(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && onCancel?.()}
        />
      </label>
      {refusal && (
        <p class="alert alert-error small" role="alert" data-error={refusal.code}>
          {refusal.message} <span class="muted">({refusal.code})</span>
        </p>
      )}
      <div class="form-actions">
        <button class="button primary small" type="submit" disabled={busy || !name.trim()}>
          {busy ? 'Creating…' : 'Create namespace'}
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

/** The top bar's "New namespace": the form in a small panel under the button. */
export function NewNamespaceButton({ api, onCreated }: { api: Api; onCreated: (name: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="new-namespace">
      <button class="button ghost small" type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        + New namespace
      </button>
      {open && (
        <div class="new-namespace-panel panel">
          <NewNamespaceForm
            api={api}
            onCancel={() => setOpen(false)}
            onCreated={(name) => {
              setOpen(false);
              onCreated(name);
            }}
          />
        </div>
      )}
    </div>
  );
}
