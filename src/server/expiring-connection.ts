import type { EventEmitter } from 'node:events';

/** setTimeout's longest delay (about 24.8 days); a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The close code graphql-ws gives a refused connection_init: clients (the console) read it as "sign in again". */
export const EXPIRED_CLOSE_CODE = 4403;

/**
 * A live connection (a WebSocket, an SSE response) admitted with a token that expires (a single sign-on JWT) is
 * ended when the token stops being accepted: its subscriptions would otherwise outlive the provider's word by days.
 * `connection` emits 'close' when it ends by itself, which stops the timer.
 */
export function endWhenExpired(connection: EventEmitter, expiresAt: Date, end: () => void): void {
  let timer: NodeJS.Timeout | undefined;
  const wait = (): void => {
    const remaining = expiresAt.getTime() - Date.now();
    if (remaining <= 0) return end();
    timer = setTimeout(wait, Math.min(remaining, MAX_TIMER_MS));
    timer.unref();
  };
  connection.once('close', () => clearTimeout(timer));
  wait();
}
