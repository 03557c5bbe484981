import { useEffect, useRef, useState } from 'preact/hooks';
import { type Action, type Draft, EMPTY_DRAFT, SUBJECTS, draftOf, paramsOf } from '../audit-filters.js';

/**
 * The audit filters. Submitting hands the new address parameters to `onApply` (the view navigates, so the filters
 * land in the address and history); the form follows the address when it changes (back, forward, a pasted link).
 */
export function AuditFilterForm({
  params,
  actions,
  onApply,
}: {
  params: URLSearchParams;
  actions: readonly Action[];
  onApply: (params: Record<string, string | undefined>) => void;
}) {
  const query = params.toString();
  const [draft, setDraft] = useState<Draft>(() => draftOf(params));
  // The address this form just asked for: when it arrives, the form keeps what is typed meanwhile (a Clear, then new
  // values typed before the address changed); any other address (back, forward, a link) replaces the form.
  const asked = useRef<string | null>(null);
  useEffect(() => {
    if (query !== asked.current) setDraft(draftOf(params));
    asked.current = null;
  }, [query]);
  const apply = (next: Record<string, string | undefined>): void => {
    asked.current = new URLSearchParams(Object.entries(next).filter((e): e is [string, string] => !!e[1])).toString();
    onApply(next);
  };
  const set = (key: keyof Draft) => (e: { currentTarget: { value: string } }) => setDraft({ ...draft, [key]: e.currentTarget.value });
  return (
    <form
      class="panel filters"
      aria-label="Audit filters"
      onSubmit={(event) => {
        event.preventDefault();
        apply(paramsOf(draft));
      }}
    >
      <label class="field">
        <span>Operator</span>
        <input name="operator" value={draft.operator} placeholder="part of a name or email" onInput={set('operator')} />
      </label>
      <label class="field">
        <span>Action</span>
        <select name="action" value={draft.action} onChange={set('action')}>
          <option value="">Any</option>
          {actions.map((a) => (
            <option key={a} value={a}>
              {a.toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Touching</span>
        <select name="subject" value={draft.subject} onChange={set('subject')}>
          <option value="">Anything</option>
          {SUBJECTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Since</span>
        <input name="since" type="datetime-local" step="1" value={draft.since} onInput={set('since')} />
      </label>
      <label class="field">
        <span>Until</span>
        <input name="until" type="datetime-local" step="1" value={draft.until} onInput={set('until')} />
      </label>
      <label class="field">
        <span>Document</span>
        <input name="path" value={draft.path} placeholder="path" onInput={set('path')} />
      </label>
      <div class="filter-actions">
        <button class="button primary" type="submit">
          Filter
        </button>
        <button
          class="button ghost"
          type="button"
          onClick={() => {
            setDraft(EMPTY_DRAFT);
            apply({});
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
