import type { IncomingMessage } from 'node:http';
import { InvalidInputError, TooExpensiveError } from '../domain/errors.js';
import type { NamespaceSignal } from '../services/namespace-signal.js';
import { MAX_WAIT_MS, waitDurationOf } from '../domain/wait-duration.js';

/** `?wait=30s` (or `500ms`, `2m`) in ms; 0 without one. */
export function waitOf(text: string | null): number {
  const ms = waitDurationOf(text);
  if (ms === null) throw new InvalidInputError(`wait '${text}': a duration such as 500ms, 30s or 2m, at most ${MAX_WAIT_MS / 60_000} minutes`);
  return ms;
}

/**
 * Holds a long-poll (Consul's blocking query): at each change of the namespace `look` is asked again, and its first
 * answer other than null ends the wait; null when `waitMs` passed or the client left first. The namespace's signal
 * only says "look again": what changed, and whether it matters to this request, is `look`'s to say.
 */
export async function holdUntil<T>(
  req: IncomingMessage,
  signal: NamespaceSignal,
  namespace: string,
  /** The namespace's generation before the caller read what `look` compares against: a change since is not missed. */
  since: number,
  waitMs: number,
  look: () => Promise<T | null>,
): Promise<T | null> {
  const deadline = Date.now() + waitMs;
  const left = new AbortController();
  const leave = (): void => left.abort();
  req.socket.once('close', leave);
  try {
    let seen = since;
    while (Date.now() < deadline && !left.signal.aborted) {
      const woken = signal.next(namespace, deadline - Date.now(), left.signal, seen);
      if (woken === null) throw new TooExpensiveError('long-polls', 'too many long-polls are held: ask again without wait');
      if (!(await woken)) return null;
      seen = signal.generation(namespace);
      const found = await look();
      if (found !== null) return found;
    }
    return null;
  } finally {
    req.socket.off('close', leave);
  }
}
