import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'onChange'>;

/**
 * A text input whose value comes from the address and is committed on change (Enter, leaving the field): what is
 * typed is kept in the component meanwhile, so a re-render before the commit (a list loading beside it) does not put
 * the old value back under the reader's fingers.
 */
export function DraftInput({ value, onCommit, ...props }: InputProps & { value: string; onCommit: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return <input {...props} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} onChange={(e) => onCommit(e.currentTarget.value.trim())} />;
}
