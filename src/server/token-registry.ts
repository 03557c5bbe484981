import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type Operator, type Role, isRole } from '../domain/access.js';

export type Authentication = { ok: true; operator: Operator } | { ok: false; reason: 'missing' | 'malformed' | 'unknown' | 'revoked' };

interface Entry {
  readonly digest: Buffer;
  readonly operator: Operator;
  readonly revoked: boolean;
}

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Bearer tokens from the tokens file. Only SHA-256 digests are kept in memory, and every lookup compares the
 * presented token's digest with every entry in constant time, so timing reveals nothing about stored tokens.
 */
export class TokenRegistry {
  private constructor(private readonly entries: readonly Entry[]) {}

  static async load(file: string): Promise<TokenRegistry> {
    return TokenRegistry.parse(await fsp.readFile(file, 'utf8'), file);
  }

  static parse(text: string, source = 'tokens file'): TokenRegistry {
    const doc: unknown = parseYaml(text);
    const list = (doc as { tokens?: unknown } | null)?.tokens;
    if (!Array.isArray(list)) throw new Error(`${source}: expected a top-level 'tokens' list`);
    return new TokenRegistry(list.map((raw, i) => toEntry(raw, `${source}: tokens[${i}]`)));
  }

  authenticate(header: string | null | undefined): Authentication {
    if (!header) return { ok: false, reason: 'missing' };
    const match = /^Bearer ([\x21-\x7e]{8,512})$/.exec(header.trim());
    if (!match?.[1]) return { ok: false, reason: 'malformed' };
    const digest = sha256(match[1]);
    let found: Entry | null = null;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, digest)) found = entry;
    if (!found) return { ok: false, reason: 'unknown' };
    return found.revoked ? { ok: false, reason: 'revoked' } : { ok: true, operator: found.operator };
  }
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
  return { digest, operator: { name, email, grants, ...scope }, revoked: r.revoked === true };
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '' || /[<>\n\r\0]/.test(value))
    throw new Error(`${where}: expected a non-empty string without <, > or newlines`);
  return value.trim();
}
