import { type Operator, type Role, isRole, roleIn } from './access.js';
import { ForbiddenError, InvalidInputError } from './errors.js';
import { isNamespaceName } from './namespace-name.js';

export interface Person {
  readonly name: string;
  readonly email: string;
}

/**
 * A bearer token made through the API, as the system repository keeps it (`service-tokens/<id>.json`): the
 * SHA-256 digest of the secret, never the secret. Revocation keeps the record (with who and when): the list shows
 * it, and the history says why.
 */
export interface ServiceToken {
  readonly id: string;
  /** The identity its requests act as: the author of the commits it makes. */
  readonly name: string;
  readonly email: string;
  /** Namespace pattern → role, as in the tokens file. */
  readonly roles: Readonly<Record<string, Role>>;
  /** The environments an agent's token may act for; null: every environment its roles reach. */
  readonly environments: readonly string[] | null;
  /** Hex SHA-256 of the secret. */
  readonly sha256: string;
  readonly createdAt: string;
  readonly createdBy: Person;
  /** null: it does not expire. */
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedBy: Person | null;
}

const ID = /^tok_[0-9a-f]{24}$/;
const MAX_GRANTS = 100;
const MAX_ENVIRONMENTS = 100;
const MAX_NAME = 100;

export function validateServiceTokenId(id: string): string {
  if (!ID.test(id)) throw new InvalidInputError(`'${id.slice(0, 40)}' is not a service token id (tok_ and 24 hex digits)`);
  return id;
}

/** A grant's pattern: a namespace name, `*`, or a namespace-name prefix ending in `*` (`team-*`). */
export function validateGrantPattern(pattern: string): string {
  if (pattern === '*') return pattern;
  const prefix = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  // A prefix need not be a whole name (`team-*`), but it must be one with a letter after it.
  if (!isNamespaceName(pattern.endsWith('*') ? `${prefix}a` : prefix)) {
    throw new InvalidInputError(`grant pattern '${pattern.slice(0, 80)}' is neither a namespace name, '*', nor a name prefix ending in '*'`);
  }
  return pattern;
}

/** The identity a token acts as goes into commit headers: no angle brackets, no line breaks. */
export function validateIdentity(value: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > MAX_NAME || /[<>\n\r\0]/.test(trimmed))
    throw new InvalidInputError(`${what} must be 1 to ${MAX_NAME} characters without <, > or line breaks`);
  return trimmed;
}

export function validateGrants(grants: readonly { readonly pattern: string; readonly role: string }[]): Map<string, Role> {
  if (grants.length === 0) throw new InvalidInputError('a service token needs at least one grant (namespace pattern and role)');
  if (grants.length > MAX_GRANTS) throw new InvalidInputError(`a service token takes at most ${MAX_GRANTS} grants`);
  const map = new Map<string, Role>();
  for (const { pattern, role } of grants) {
    if (!isRole(role)) throw new InvalidInputError(`role '${String(role).slice(0, 20)}' is not agent, viewer, editor or admin`);
    if (map.has(pattern)) throw new InvalidInputError(`grant pattern '${pattern}' appears twice`);
    map.set(validateGrantPattern(pattern), role);
  }
  return map;
}

export function validateTokenEnvironments(environments: readonly string[] | null | undefined): string[] | null {
  if (!environments || environments.length === 0) return null;
  if (environments.length > MAX_ENVIRONMENTS) throw new InvalidInputError(`a service token takes at most ${MAX_ENVIRONMENTS} environments`);
  for (const name of environments) {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) throw new InvalidInputError(`'${name.slice(0, 40)}' is not an environment name`);
  }
  return [...new Set(environments)].sort();
}

export function validateExpiry(expiresAt: Date | null | undefined, now: Date): string | null {
  if (!expiresAt) return null;
  if (Number.isNaN(expiresAt.getTime())) throw new InvalidInputError('expiresAt is not a time');
  if (expiresAt.getTime() <= now.getTime()) throw new InvalidInputError('expiresAt is not in the future');
  return expiresAt.toISOString();
}

/**
 * Who may hand out a grant: only an operator who is admin of every namespace the pattern reaches, so that nobody
 * makes a token stronger than themselves anywhere. For `team-*` that is the most specific grant of the operator
 * covering all of `team-*` (`*`, `te*`, `team-*`) and every narrower grant of theirs inside it (`team-a`,
 * `team-b*`): all must be admin. The same rule says who may see and revoke a token.
 */
export function mayGrant(operator: Operator, pattern: string): boolean {
  const grants = operator.grants;
  if (!pattern.endsWith('*')) return roleIn(grants, pattern) === 'admin';
  const prefix = pattern.slice(0, -1);
  let covering: { length: number; role: Role } | null = null;
  for (const [mine, role] of grants) {
    if (mine.endsWith('*')) {
      const minePrefix = mine.slice(0, -1);
      if (prefix.startsWith(minePrefix)) {
        if (!covering || minePrefix.length > covering.length) covering = { length: minePrefix.length, role };
        continue;
      }
      if (minePrefix.startsWith(prefix) && role !== 'admin') return false;
    } else if (mine.startsWith(prefix) && role !== 'admin') return false;
  }
  return covering?.role === 'admin';
}

/** Refuses, naming the first pattern the operator may not hand out. */
export function checkMayGrant(operator: Operator, patterns: Iterable<string>): void {
  for (const pattern of patterns) {
    if (!mayGrant(operator, pattern)) throw new ForbiddenError(pattern, 'admin', `granting '${pattern}' needs the admin role in every namespace it reaches`);
  }
}

/** Whether the operator may see and revoke the token: admin wherever it reaches. */
export function mayManage(operator: Operator, token: ServiceToken): boolean {
  return Object.keys(token.roles).every((pattern) => mayGrant(operator, pattern));
}

/** Whether the operator is admin anywhere (only admins manage tokens at all). */
export function isAdminSomewhere(operator: Operator): boolean {
  return [...operator.grants.values()].includes('admin');
}

export function encodeServiceToken(token: ServiceToken): string {
  return `${JSON.stringify(token, null, 2)}\n`;
}

/** A record as stored; null for anything malformed (a hand edit), which then authenticates nobody. */
export function decodeServiceToken(text: string): ServiceToken | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || !ID.test(r.id)) return null;
  if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) return null;
  if (typeof r.name !== 'string' || typeof r.email !== 'string' || typeof r.createdAt !== 'string') return null;
  if (typeof r.roles !== 'object' || r.roles === null || Object.values(r.roles).some((role) => !isRole(role))) return null;
  const environments = Array.isArray(r.environments) && r.environments.every((e) => typeof e === 'string') ? (r.environments as string[]) : null;
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    roles: { ...(r.roles as Record<string, Role>) },
    environments,
    sha256: r.sha256,
    createdAt: r.createdAt,
    createdBy: personOf(r.createdBy) ?? { name: '', email: '' },
    expiresAt: typeof r.expiresAt === 'string' ? r.expiresAt : null,
    revokedAt: typeof r.revokedAt === 'string' ? r.revokedAt : null,
    revokedBy: personOf(r.revokedBy),
  };
}

function personOf(value: unknown): Person | null {
  if (typeof value !== 'object' || value === null) return null;
  const p = value as Record<string, unknown>;
  return typeof p.name === 'string' && typeof p.email === 'string' ? { name: p.name, email: p.email } : null;
}

/** The operator a token's requests act as. */
export function operatorOf(token: ServiceToken): Operator {
  const grants = new Map<string, Role>(Object.entries(token.roles));
  return { name: token.name, email: token.email, grants, ...(token.environments ? { environments: [...token.environments] } : {}) };
}
