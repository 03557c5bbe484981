/** The longest a long-poll is held (`?wait=`), by the server and by an agent's local server alike. */
export const MAX_WAIT_MS = 5 * 60_000;

/**
 * A long-poll's `?wait=` (`500ms`, `30s`, `2m`) in ms: 0 without one, null when malformed or longer than
 * MAX_WAIT_MS.
 */
export function waitDurationOf(text: string | null): number | null {
  if (text === null) return 0;
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
  return ms > MAX_WAIT_MS ? null : ms;
}
