import { parse as parseYaml } from 'yaml';
import { type Grants, type Role, isRole } from '../domain/access.js';

const RANK: Readonly<Record<Role, number>> = { agent: 0, viewer: 1, editor: 2, admin: 3 };

/**
 * Groups of the identity provider → roles per namespace (CAIRN_OIDC_ROLES): YAML or JSON, one entry per group, each
 * a map of namespace pattern → role, the patterns of the tokens file (`*`, an exact name, a prefix ending in `*`):
 *
 *     platform-admins: { "*": admin }
 *     team-a: { "team-a-*": editor, "shared": viewer }
 *
 * Someone in several groups holds, in each namespace, the highest role any of their groups gives there.
 */
export class RoleMapping {
  private constructor(private readonly byGroup: ReadonlyMap<string, Grants>) {}

  static parse(text: string, source = 'CAIRN_OIDC_ROLES'): RoleMapping {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (error) {
      throw new Error(`${source}: not YAML or JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    }
    if (doc === null || doc === undefined) return new RoleMapping(new Map());
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${source}: expected a map of group → { namespace pattern: role }`);
    const byGroup = new Map<string, Grants>();
    for (const [group, patterns] of Object.entries(doc)) byGroup.set(group, grantsOf(patterns, `${source}: ${group}`));
    return new RoleMapping(byGroup);
  }

  get groups(): number {
    return this.byGroup.size;
  }

  /**
   * The grants of someone in `groups`. roleIn (domain/access.ts) takes the most specific pattern that matches a
   * namespace, so each pattern is given the highest role of every pattern that covers it: the most specific match
   * then carries the highest role of all the matches.
   */
  grantsFor(groups: readonly string[]): Grants {
    const merged = new Map<string, Role>();
    for (const group of new Set(groups)) {
      for (const [pattern, role] of this.byGroup.get(group) ?? []) merged.set(pattern, higher(merged.get(pattern), role));
    }
    const closed = new Map<string, Role>();
    for (const pattern of merged.keys()) {
      let role: Role | undefined;
      for (const [other, otherRole] of merged) if (covers(other, pattern)) role = higher(role, otherRole);
      closed.set(pattern, role!);
    }
    return closed;
  }
}

function grantsOf(patterns: unknown, where: string): Grants {
  if (typeof patterns !== 'object' || patterns === null || Array.isArray(patterns)) throw new Error(`${where}: expected { namespace pattern: role }`);
  const grants = new Map<string, Role>();
  for (const [pattern, role] of Object.entries(patterns)) {
    if (pattern === '' || (pattern.includes('*') && pattern.indexOf('*') !== pattern.length - 1)) {
      throw new Error(`${where}: '${pattern}' is not a namespace pattern (a name, '*', or a prefix ending in '*')`);
    }
    if (!isRole(role)) throw new Error(`${where}.${pattern}: role must be agent, viewer, editor or admin`);
    grants.set(pattern, role);
  }
  return grants;
}

/** Whether every namespace `pattern` matches is matched by `other` too. */
function covers(other: string, pattern: string): boolean {
  if (other === pattern) return true;
  if (!other.endsWith('*')) return false;
  return pattern.startsWith(other.slice(0, -1));
}

function higher(a: Role | undefined, b: Role): Role {
  return a !== undefined && RANK[a] >= RANK[b] ? a : b;
}
