import { useEffect, useRef, useState } from 'preact/hooks';

/** Options rendered at once: a server may hold thousands of namespaces, and typing narrows them. */
const SHOWN_OPTIONS = 200;

/**
 * The namespace switcher: an ARIA combobox (an input owning a listbox). Typing filters by substring; arrows move
 * the active option, Enter opens it, Escape closes the list and restores the current name.
 */
export function NamespacePicker({
  names,
  current,
  onOpen,
  onPick,
}: {
  names: readonly string[];
  current: string | null;
  /** The list is being opened: a moment to read it again (namespaces are created elsewhere). */
  onOpen?: () => void;
  onPick: (name: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(current ?? '');
  const [active, setActive] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (!open) setText(current ?? '');
  }, [current, open]);
  // While open, the text typed filters; right after opening, the whole list shows (the current name is not a filter).
  const [filtering, setFiltering] = useState(false);
  const query = filtering ? text.trim().toLowerCase() : '';
  const matches = query ? names.filter((n) => n.toLowerCase().includes(query)) : names;
  const shown = matches.slice(0, SHOWN_OPTIONS);
  const activeIndex = Math.min(active, shown.length - 1);
  const activeName = shown[activeIndex];
  useEffect(() => {
    list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [activeIndex, open]);

  const openList = (): void => {
    if (open) return;
    onOpen?.();
    setOpen(true);
    setFiltering(false);
    setActive(Math.max(0, current ? names.indexOf(current) : 0));
  };
  const close = (): void => {
    setOpen(false);
    setFiltering(false);
    setText(current ?? '');
  };
  const pick = (name: string): void => {
    setOpen(false);
    setFiltering(false);
    setText(name);
    if (name !== current) onPick(name);
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (step) {
      e.preventDefault();
      if (!open) return openList();
      if (shown.length) setActive((activeIndex + step + shown.length) % shown.length);
    } else if (e.key === 'Enter' && open) {
      e.preventDefault();
      if (activeName) pick(activeName);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      close();
    } else if ((e.key === 'Home' || e.key === 'End') && open && e.altKey) {
      setActive(e.key === 'Home' ? 0 : shown.length - 1);
    }
  };
  const optionId = (i: number): string => `ns-option-${i}`;
  return (
    <div class="ns-combobox" onFocusOut={(e) => !e.currentTarget.contains(e.relatedTarget as Node | null) && open && close()}>
      <input
        type="text"
        role="combobox"
        aria-label="Namespace"
        aria-expanded={open}
        aria-controls="ns-listbox"
        aria-autocomplete="list"
        aria-activedescendant={open && activeName !== undefined ? optionId(activeIndex) : undefined}
        placeholder="Choose…"
        autocomplete="off"
        spellcheck={false}
        value={text}
        onFocus={(e) => e.currentTarget.select()}
        onClick={openList}
        onInput={(e) => {
          const typed = e.currentTarget.value.trim().toLowerCase();
          setText(e.currentTarget.value);
          setFiltering(true);
          // A name typed in full is the one Enter opens, even when longer names contain it.
          setActive(
            Math.max(
              0,
              names.filter((n) => n.toLowerCase().includes(typed)).findIndex((n) => n.toLowerCase() === typed),
            ),
          );
          if (!open) {
            onOpen?.();
            setOpen(true);
          }
        }}
        onKeyDown={onKeyDown}
      />
      {open && (
        <div class="ns-dropdown">
          <ul class="ns-listbox" id="ns-listbox" role="listbox" ref={list}>
            {shown.map((name, i) => (
              <li
                key={name}
                id={optionId(i)}
                role="option"
                aria-selected={i === activeIndex}
                class={`ns-option${name === current ? ' current' : ''}`}
                // mousedown, not click: the input keeps focus, so the list is not closed by focusout first.
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(name);
                }}
              >
                {name}
              </li>
            ))}
          </ul>
          {!shown.length && <p class="ns-option-note muted small">No namespace contains “{text.trim()}”.</p>}
          {matches.length > shown.length && <p class="ns-option-note muted small">{matches.length - shown.length} more: type to narrow.</p>}
        </div>
      )}
    </div>
  );
}
