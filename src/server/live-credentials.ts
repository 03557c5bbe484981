import type { Operator } from '../domain/access.js';
import type { Authenticator } from './authenticator.js';

/** How a live connection is ended: a WebSocket's close code and reason. */
export type CloseConnection = (code: number, reason: string) => void;

interface Held {
  readonly credential: string | null | undefined;
  readonly operator: Operator;
  readonly close: CloseConnection;
}

/** graphql-ws's Forbidden: the client is told its token is refused (the console signs out). */
export const CREDENTIALS_REFUSED = 4403;
/** Service Restart: the token is still good but its identity or roles changed; the client reconnects and gets the new ones. */
export const CREDENTIALS_CHANGED = 1012;

/**
 * The credentials live connections (WebSocket subscriptions) were admitted with. Whenever the authenticator says
 * credentials changed (a revocation through the API or on another replica, a tokens file reload, an expiry passing),
 * each is authenticated again: one no longer good is closed with 4403 and the reason (revoked, expired, unknown);
 * one whose identity or grants changed is closed with 1012, so that it reconnects under what it may do now.
 */
export class LiveCredentials {
  private readonly held = new Set<Held>();
  private readonly stop: (() => void) | null;

  constructor(private readonly authenticator: Authenticator) {
    this.stop = authenticator.onCredentialsChange?.(() => void this.recheck()) ?? null;
  }

  /** Follows a connection until the returned function is called (when it closes). */
  track(credential: string | null | undefined, operator: Operator, close: CloseConnection): () => void {
    const entry: Held = { credential, operator, close };
    this.held.add(entry);
    return () => this.held.delete(entry);
  }

  async recheck(): Promise<void> {
    for (const entry of [...this.held]) {
      const result = await this.authenticator.authenticate(entry.credential);
      if (!this.held.has(entry)) continue;
      if (result.ok && sameOperator(result.operator, entry.operator)) continue;
      this.held.delete(entry);
      if (result.ok) entry.close(CREDENTIALS_CHANGED, 'credentials changed: reconnect');
      else entry.close(CREDENTIALS_REFUSED, `token ${result.reason}`);
    }
  }

  dispose(): void {
    this.stop?.();
    this.held.clear();
  }
}

function sameOperator(a: Operator, b: Operator): boolean {
  if (a === b) return true;
  if (a.name !== b.name || a.email !== b.email || a.grants.size !== b.grants.size) return false;
  for (const [pattern, role] of a.grants) if (b.grants.get(pattern) !== role) return false;
  return (a.environments ?? []).join('\n') === (b.environments ?? []).join('\n') && (a.environments === undefined) === (b.environments === undefined);
}
