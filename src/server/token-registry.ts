import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { YAMLParseError, parse as parseYaml } from 'yaml';
import { type Operator, type Role, isRole } from '../domain/access.js';
import { type ServiceToken, operatorOf } from '../domain/service-token.js';

export type Authentication = { ok: true; operator: Operator } | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' };

interface Entry {
  readonly digest: Buffer;
  readonly operator: Operator;
  readonly revoked: boolean;
  /** Epoch ms from which it is refused; null: never. */
  readonly expiresAt: number | null;
}

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Bearer tokens: the tokens file's entries, then the service tokens made through the API (kept in the system
 * repository). Only SHA-256 digests are kept in memory, and every lookup compares the presented token's digest with
 * every entry in constant time, so timing reveals nothing about stored tokens.
 *
 * When a digest is in both, the file's entry wins: the file is the operator's last word (an API token's `sha256`
 * listed there with `revoked: true` is refused whatever the API says).
 */
export class TokenRegistry {
  private constructor(
    private readonly fileEntries: readonly Entry[],
    private readonly entries: readonly Entry[],
  ) {}

  static async load(file: string): Promise<TokenRegistry> {
    return TokenRegistry.parse(await fsp.readFile(file, 'utf8'), file);
  }

  static parse(text: string, source = 'tokens file'): TokenRegistry {
    const doc = parseTokensYaml(text, source);
    const list = (doc as { tokens?: unknown } | null)?.tokens;
    if (!Array.isArray(list)) throw new Error(`${source}: expected a top-level 'tokens' list`);
    const entries = list.map((raw, i) => toEntry(raw, `${source}: tokens[${i}]`));
    return new TokenRegistry(entries, entries);
  }

  /** These file entries with the API's service tokens added (revoked ones included, so that they say "revoked"). */
  withServiceTokens(tokens: readonly ServiceToken[]): TokenRegistry {
    const inFile = new Set(this.fileEntries.map((e) => e.digest.toString('hex')));
    const added = tokens.filter((t) => !inFile.has(t.sha256)).map(serviceEntry);
    return new TokenRegistry(this.fileEntries, [...this.fileEntries, ...added]);
  }

  authenticate(header: string | null | undefined, now = Date.now()): Authentication {
    if (!header) return { ok: false, reason: 'missing' };
    const match = /^Bearer ([\x21-\x7e]{8,512})$/.exec(header.trim());
    if (!match?.[1]) return { ok: false, reason: 'malformed' };
    const digest = sha256(match[1]);
    let found: Entry | null = null;
    // The first match wins (the file's entries come first); every entry is compared all the same.
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, digest) && !found) found = entry;
    if (!found) return { ok: false, reason: 'unknown' };
    if (found.revoked) return { ok: false, reason: 'revoked' };
    if (found.expiresAt !== null && found.expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, operator: found.operator };
  }

  /** The soonest expiry after `now` of a token still accepted (epoch ms), or null: when live connections must be checked again. */
  nextExpiry(now = Date.now()): number | null {
    let next: number | null = null;
    for (const e of this.entries) if (!e.revoked && e.expiresAt !== null && e.expiresAt > now && (next === null || e.expiresAt < next)) next = e.expiresAt;
    return next;
  }
}

/** YAML's own messages quote the offending line, which may hold a token: only where it is goes into the error. */
function parseTokensYaml(text: string, source: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const at = error.linePos?.[0];
    throw new Error(`${source}: not valid YAML or JSON (${error.code}${at ? ` at line ${at.line}, column ${at.col}` : ''})`);
  }
}

function serviceEntry(token: ServiceToken): Entry {
  const expiresAt = token.expiresAt === null ? null : Date.parse(token.expiresAt);
  return {
    digest: Buffer.from(token.sha256, 'hex'),
    operator: operatorOf(token),
    revoked: token.revokedAt !== null,
    // An unreadable expiry (a hand edit) is expired, not eternal.
    expiresAt: expiresAt === null ? null : Number.isNaN(expiresAt) ? 0 : expiresAt,
  };
}

function toEntry(raw: unknown, where: string): Entry {
  if (typeof raw !== 'object' || raw === null) throw new Error(`${where}: expected an object`);
  const r = raw as Record<string, unknown>;
  const name = requireString(r.name, `${where}.name`);
  const email = requireString(r.email, `${where}.email`);
  const digest =
    typeof r.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(r.sha256)
      ? Buffer.from(r.sha256, 'hex')
      : typeof r.token === 'string' && r.token.length >= 8
        ? sha256(r.token)
        : null;
  if (!digest) throw new Error(`${where}: needs 'token' (8+ characters) or 'sha256' (64 hex digits)`);
  const roles = r.roles ?? {};
  if (typeof roles !== 'object' || roles === null) throw new Error(`${where}.roles: expected namespace → role`);
  const grants = new Map<string, Role>();
  for (const [pattern, role] of Object.entries(roles)) {
    if (!isRole(role)) throw new Error(`${where}.roles.${pattern}: role must be agent, viewer, editor or admin`);
    grants.set(pattern, role);
  }
  const environments = r.environments;
  if (environments !== undefined && (!Array.isArray(environments) || environments.some((e) => typeof e !== 'string' || e === ''))) {
    throw new Error(`${where}.environments: expected a list of environment names`);
  }
  const scope = environments === undefined ? {} : { environments: (environments as string[]).slice() };
  return { digest, operator: { name, email, grants, ...scope }, revoked: r.revoked === true, expiresAt: expiryOf(r.expiresAt, where) };
}

/** The file may give an expiry too (an ISO time), enforced like an API token's. */
function expiryOf(value: unknown, where: string): number | null {
  if (value === undefined || value === null) return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${where}.expiresAt: expected an ISO 8601 time`);
  return ms;
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '' || /[<>\n\r\0]/.test(value))
    throw new Error(`${where}: expected a non-empty string without <, > or newlines`);
  return value.trim();
}
