/** Which keys move to the previous or next item of a composite widget (a tree is vertical, a tab list horizontal). */
const STEPS: Record<'vertical' | 'horizontal', Readonly<Record<string, number>>> = {
  vertical: { ArrowUp: -1, ArrowDown: 1 },
  horizontal: { ArrowLeft: -1, ArrowRight: 1 },
};

/**
 * Moves focus among the visible items (`selector`) inside the widget the key was pressed in, as ARIA's tree and
 * tablist roles promise: arrows step (wrapping), Home and End jump. Returns the item now focused, or null when the
 * key is not one of these.
 */
export function focusByArrows(event: KeyboardEvent, selector: string, orientation: 'vertical' | 'horizontal'): HTMLElement | null {
  const widget = event.currentTarget;
  if (!(widget instanceof HTMLElement)) return null;
  const items = [...widget.querySelectorAll<HTMLElement>(selector)].filter((item) => item.getClientRects().length > 0);
  if (!items.length) return null;
  const current = items.findIndex((item) => item === document.activeElement);
  const step = STEPS[orientation][event.key];
  let next: number;
  if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = items.length - 1;
  else if (step !== undefined) next = current < 0 ? 0 : (current + step + items.length) % items.length;
  else return null;
  event.preventDefault();
  const target = items[next] ?? null;
  target?.focus();
  return target;
}
