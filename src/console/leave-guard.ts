/**
 * Unsaved text lives only in the page: a move to another view that would drop it asks first. A guard says whether
 * the next address would lose its text (the editor's tabs keep it, another document does not).
 */
type Guard = (nextHash: string) => boolean;

const guards = new Set<Guard>();

/** Registers `guard` until the returned function is called. */
export function guardLeave(guard: Guard): () => void {
  guards.add(guard);
  return () => guards.delete(guard);
}

let freeLeave = false;

/**
 * Goes to `to` without asking: the text is kept elsewhere now (proposed in a change request). The move happens on
 * the next hashchange, after the page has redrawn without what kept the text, so the guard would ask otherwise.
 */
export function leaveKeepingText(to: string, go: (to: string) => void): void {
  freeLeave = true;
  go(to);
}

/** Whether the console may move to `nextHash`: nothing would be lost, or the reader confirmed. */
export function mayLeave(nextHash: string): boolean {
  if (freeLeave) {
    freeLeave = false;
    return true;
  }
  if (![...guards].some((loses) => loses(nextHash))) return true;
  return confirm('This document has unsaved changes. Leave and discard them?');
}
