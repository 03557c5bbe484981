import { promises as fsp } from 'node:fs';
import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import type { Operator } from '../domain/access.js';
import { ProviderKeys } from './provider-keys.js';
import { RoleMapping } from './role-mapping.js';
import type { OidcSettings } from './settings.js';

/**
 * Why a JWT was refused. `unverifiable`: the provider's keys could not be had in time (the token may be fine; the
 * next request tries again); `incomplete`: verified, but it lacks the claims Cairn records (an email).
 */
export type JwtRefusal = 'oversized' | 'malformed' | 'invalid' | 'expired' | 'premature' | 'unverifiable' | 'incomplete';

export type JwtAuthentication = { ok: true; operator: Operator; expiresAt: Date } | { ok: false; reason: JwtRefusal };

/**
 * Asymmetric signatures only: with a symmetric algorithm the "key" would be whatever the verifier holds, and an
 * HS256 token signed with the provider's public key (which anyone can fetch) would verify. `none` is never allowed.
 */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Three base64url parts (the third empty for an unsigned token, which is then refused by verification, not elsewhere). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The characters a commit's author name or email cannot hold (Git's own separators). */
const UNSAFE_IDENTITY = /[<>\n\r\0]/;

class DeadlineExceeded extends Error {}

/**
 * Bearer JWTs from an OpenID Connect provider (the single sign-on settings): signature by the provider's keys
 * (fetched, cached, fetched again for an unknown `kid`), issuer, audience, `exp` (required) and `nbf` within the
 * clock skew; then the name and email claims become the operator recorded in Git, and the groups claim its roles
 * per namespace. Nothing of the token is logged.
 */
export class JwtAuthenticator {
  private constructor(
    private readonly settings: OidcSettings,
    private readonly keys: JWTVerifyGetKey,
    private readonly roles: RoleMapping,
    private readonly logger: Logger,
    private readonly clock: () => Date,
  ) {}

  static async create(settings: OidcSettings, logger: Logger, clock: () => Date = () => new Date()): Promise<JwtAuthenticator> {
    const roles = await loadRoles(settings);
    const fetchOptions = { timeoutDuration: settings.jwksTimeoutMs, cooldownDuration: settings.jwksCooldownMs };
    const keys = settings.jwksUri
      ? createRemoteJWKSet(new URL(settings.jwksUri), fetchOptions)
      : new ProviderKeys(settings.issuer, settings.jwksTimeoutMs, (uri) => createRemoteJWKSet(uri, fetchOptions)).getKey;
    return new JwtAuthenticator(settings, keys, roles, logger, clock);
  }

  get groupsMapped(): number {
    return this.roles.groups;
  }

  get maxTokenBytes(): number {
    return this.settings.maxTokenBytes;
  }

  /** Whether `token` is shaped as a JWT, and so is this authenticator's to verify rather than the tokens file's. */
  static looksLikeJwt(token: string): boolean {
    return JWT_SHAPE.test(token);
  }

  async authenticate(token: string): Promise<JwtAuthentication> {
    // Before any parsing: a header of megabytes costs nothing but this comparison.
    if (token.length > this.settings.maxTokenBytes) return { ok: false, reason: 'oversized' };
    if (!JwtAuthenticator.looksLikeJwt(token)) return { ok: false, reason: 'malformed' };
    let payload: JWTPayload;
    try {
      payload = await this.verify(token);
    } catch (error) {
      return { ok: false, reason: this.refusalOf(error) };
    }
    const operator = this.operatorOf(payload);
    if (!operator) {
      this.logger.info({ issuer: this.settings.issuer, claim: this.settings.claims.email }, 'bearer JWT refused: no usable email claim');
      return { ok: false, reason: 'incomplete' };
    }
    // When it stops being accepted: `exp` plus the clock skew forgiven.
    return { ok: true, operator, expiresAt: new Date(((payload.exp ?? 0) + this.settings.clockSkewSeconds) * 1000) };
  }

  /** jwtVerify, given at most CAIRN_OIDC_JWKS_TIMEOUT_MS: a provider that hangs costs a request that long, no longer. */
  private async verify(token: string): Promise<JWTPayload> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceeded()), this.settings.jwksTimeoutMs);
    });
    const verified = jwtVerify(token, this.keys, {
      issuer: this.settings.issuer,
      audience: [...this.settings.audiences],
      algorithms: ASYMMETRIC_ALGORITHMS,
      clockTolerance: this.settings.clockSkewSeconds,
      currentDate: this.clock(),
      requiredClaims: ['exp'],
    });
    // The loser of the race must not surface as an unhandled rejection.
    verified.catch(() => undefined);
    try {
      return (await Promise.race([verified, deadline])).payload;
    } finally {
      clearTimeout(timer);
    }
  }

  private refusalOf(error: unknown): JwtRefusal {
    const refusal = classify(error);
    if (refusal === 'unverifiable') {
      // The operator's problem, not the caller's: say which provider and why, never what was presented.
      const why = error instanceof DeadlineExceeded ? `no answer within ${this.settings.jwksTimeoutMs} ms` : describe(error);
      this.logger.warn(
        { issuer: this.settings.issuer, jwksUri: this.settings.jwksUri, why },
        "bearer JWT refused: the identity provider's keys could not be fetched",
      );
    } else {
      this.logger.debug({ reason: refusal, code: error instanceof errors.JOSEError ? error.code : undefined }, 'bearer JWT refused');
    }
    return refusal;
  }

  private operatorOf(payload: JWTPayload): Operator | null {
    const { claims } = this.settings;
    const email = identityText(payload[claims.email]);
    const name = identityText(payload[claims.name]) ?? identityText(payload.sub);
    if (!email || !name) return null;
    return { name, email, grants: this.roles.grantsFor(groupsOf(payload[claims.groups])) };
  }
}

function classify(error: unknown): JwtRefusal {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return error.claim === 'nbf' && error.reason === 'check_failed' ? 'premature' : 'invalid';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWSSignatureVerificationFailed
  ) {
    return 'invalid';
  }
  // A timeout, a refused connection, an answer that is no key set: the keys are not to be had right now.
  return 'unverifiable';
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function identityText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text !== '' && text.length <= 256 && !UNSAFE_IDENTITY.test(text) ? text : null;
}

/** A list of names, or one name; anything else in it is no group. */
function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}

async function loadRoles(settings: OidcSettings): Promise<RoleMapping> {
  if (!settings.roles) return RoleMapping.parse('');
  if ('text' in settings.roles) return RoleMapping.parse(settings.roles.text);
  return RoleMapping.parse(await fsp.readFile(settings.roles.file, 'utf8'), settings.roles.file);
}
