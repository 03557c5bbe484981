import { useEffect, useState } from 'preact/hooks';

/** One edited document waiting in the draft change request: its text and the version it was edited from. */
export interface StagedChange {
  readonly path: string;
  readonly text: string;
  readonly base: string;
}

/**
 * The draft change request of a namespace: edits collected from the editor, one per document, proposed together
 * as one change request. Kept in sessionStorage, so it survives moving between documents and reloads of this tab
 * (and no other tab's drafts get mixed in).
 */
const key = (ns: string): string => `cairn.change-tray.${ns}`;
const CHANGED = 'cairn-change-tray';

export function readTray(ns: string): StagedChange[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(key(ns)) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isStaged) : [];
  } catch {
    return [];
  }
}

/** Stages `change`, replacing what was staged for its document (in its place: the first staged stays first). */
export function stage(ns: string, change: StagedChange): void {
  const tray = readTray(ns);
  const at = tray.findIndex((c) => c.path === change.path);
  write(ns, at < 0 ? [...tray, change] : tray.map((c, i) => (i === at ? change : c)));
}

export function unstage(ns: string, path: string): void {
  write(
    ns,
    readTray(ns).filter((c) => c.path !== path),
  );
}

export function clearTray(ns: string): void {
  write(ns, []);
}

/** The tray as it is now, kept current as documents are staged and removed anywhere in the page. */
export function useTray(ns: string): StagedChange[] {
  const [tray, setTray] = useState(() => readTray(ns));
  useEffect(() => {
    const update = (): void => setTray(readTray(ns));
    update();
    addEventListener(CHANGED, update);
    return () => removeEventListener(CHANGED, update);
  }, [ns]);
  return tray;
}

/**
 * The version the change request is proposed against: the oldest of the staged documents' bases (`sequence` finds
 * where each is in main's history), so that a change main made to any staged document since it was opened is
 * refused (VersionConflict) rather than silently overwritten. Which document was staged first says nothing: one
 * opened long ago may be staged last, and one staged first may be staged again from a newer version.
 */
export function oldestBase(tray: readonly StagedChange[], sequenceOf: ReadonlyMap<string, number>): string | null {
  let oldest: StagedChange | null = null;
  for (const change of tray) {
    if (!oldest || (sequenceOf.get(change.base) ?? -1) < (sequenceOf.get(oldest.base) ?? -1)) oldest = change;
  }
  return oldest?.base || null;
}

function write(ns: string, tray: readonly StagedChange[]): void {
  if (tray.length) sessionStorage.setItem(key(ns), JSON.stringify(tray));
  else sessionStorage.removeItem(key(ns));
  dispatchEvent(new Event(CHANGED));
}

function isStaged(value: unknown): value is StagedChange {
  return (
    typeof value === 'object' &&
    value !== null &&
    'path' in value &&
    typeof value.path === 'string' &&
    'text' in value &&
    typeof value.text === 'string' &&
    'base' in value &&
    typeof value.base === 'string'
  );
}
