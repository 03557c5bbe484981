import type { Operator } from '../domain/access.js';
import { type JwtAuthentication, JwtAuthenticator } from './jwt-authenticator.js';
import type { Authentication as TokenAuthentication } from './token-registry.js';

/** Without a tokens file every request acts as this identity; the server then listens on loopback only. */
export const DEVELOPMENT_OPERATOR: Operator = { name: 'Local Developer', email: 'dev@localhost', grants: new Map([['*', 'admin']]) };

/** A bearer token's verdict; a JWT's carries when it expires. */
export type Authentication = TokenAuthentication | JwtAuthentication;

/** Asynchronous: a JWT may need the identity provider's keys fetched first (bounded by CAIRN_OIDC_JWKS_TIMEOUT_MS). */
export interface Authenticator {
  readonly mode: 'tokens' | 'development';
  authenticate(authorization: string | null | undefined): Promise<Authentication>;
  /** Tells `listener` when credentials may have stopped being good (revoked, expired, reloaded): live connections check theirs again. */
  onCredentialsChange?(listener: () => void): () => void;
}

/** The tokens file and the service tokens: looked up in memory, at once. */
export interface TokenSource {
  authenticate(authorization: string | null | undefined): TokenAuthentication;
  onCredentialsChange?(listener: () => void): () => void;
}

export function tokenAuthenticator(registry: TokenSource): Authenticator {
  const watch = registry.onCredentialsChange?.bind(registry);
  return { mode: 'tokens', authenticate: async (header) => registry.authenticate(header), ...(watch ? { onCredentialsChange: watch } : {}) };
}

/**
 * Single sign-on, beside the tokens file or alone: a bearer shaped as a JWT (three base64url parts) is verified
 * against the identity provider; any other goes to the tokens file, when there is one.
 */
export function bearerAuthenticator(jwt: JwtAuthenticator, registry: TokenSource | null): Authenticator {
  const watch = registry?.onCredentialsChange?.bind(registry);
  return {
    mode: 'tokens',
    authenticate: async (header) => {
      if (!header) return { ok: false, reason: 'missing' };
      // Before any parsing, the tokens file's too (whose tokens are far shorter): a megabyte header costs one comparison.
      if (header.length > 'Bearer '.length + jwt.maxTokenBytes) return { ok: false, reason: 'oversized' };
      const match = /^Bearer (\S+)$/.exec(header.trim());
      if (match?.[1] && JwtAuthenticator.looksLikeJwt(match[1])) return jwt.authenticate(match[1]);
      if (registry) return registry.authenticate(header);
      return { ok: false, reason: match ? 'unknown' : 'malformed' };
    },
    ...(watch ? { onCredentialsChange: watch } : {}),
  };
}

export const developmentAuthenticator: Authenticator = {
  mode: 'development',
  authenticate: async () => ({ ok: true, operator: DEVELOPMENT_OPERATOR }),
};
