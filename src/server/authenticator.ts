import type { Operator } from '../domain/access.js';
import type { Authentication, TokenRegistry } from './token-registry.js';

/** Without a tokens file every request acts as this identity; the server then listens on loopback only. */
export const DEVELOPMENT_OPERATOR: Operator = { name: 'Local Developer', email: 'dev@localhost', grants: new Map([['*', 'admin']]) };

export interface Authenticator {
  readonly mode: 'tokens' | 'development';
  authenticate(authorization: string | null | undefined): Authentication;
}

export function tokenAuthenticator(registry: TokenRegistry): Authenticator {
  return { mode: 'tokens', authenticate: (header) => registry.authenticate(header) };
}

export const developmentAuthenticator: Authenticator = {
  mode: 'development',
  authenticate: () => ({ ok: true, operator: DEVELOPMENT_OPERATOR }),
};
