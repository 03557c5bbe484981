import type { WebSocket } from 'ws';

/** setTimeout's longest delay (about 24.8 days); a later expiry is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The close code graphql-ws gives a refused connection_init: clients (the console) read it as "sign in again". */
export const EXPIRED_CLOSE_CODE = 4403;

/**
 * A WebSocket authenticated with a token that expires (a single sign-on JWT) is closed when the token stops being
 * accepted: its subscriptions would otherwise outlive the identity provider's word by days.
 */
export function closeWhenExpired(socket: WebSocket, expiresAt: Date): void {
  const wait = (): void => {
    const remaining = expiresAt.getTime() - Date.now();
    if (remaining <= 0) {
      socket.close(EXPIRED_CLOSE_CODE, 'token expired');
      return;
    }
    const timer = setTimeout(wait, Math.min(remaining, MAX_TIMER_MS));
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  wait();
}
