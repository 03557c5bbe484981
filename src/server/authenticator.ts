import type { Operator } from '../domain/access.js';
import type { Authentication } from './token-registry.js';

/** Without a tokens file every request acts as this identity; the server then listens on loopback only. */
export const DEVELOPMENT_OPERATOR: Operator = { name: 'Local Developer', email: 'dev@localhost', grants: new Map([['*', 'admin']]) };

export interface Authenticator {
  readonly mode: 'tokens' | 'development';
  authenticate(authorization: string | null | undefined): Authentication;
  /** Tells `listener` when credentials may have stopped being good (revoked, expired, reloaded): live connections check theirs again. */
  onCredentialsChange?(listener: () => void): () => void;
}

export function tokenAuthenticator(registry: Pick<Authenticator, 'authenticate' | 'onCredentialsChange'>): Authenticator {
  const watch = registry.onCredentialsChange?.bind(registry);
  return { mode: 'tokens', authenticate: (header) => registry.authenticate(header), ...(watch ? { onCredentialsChange: watch } : {}) };
}

export const developmentAuthenticator: Authenticator = {
  mode: 'development',
  authenticate: () => ({ ok: true, operator: DEVELOPMENT_OPERATOR }),
};
