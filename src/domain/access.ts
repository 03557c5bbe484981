/**
 * Who may do what, per namespace. Pure: the grants come from the tokens file, the check happens in services.
 * `agent` is the narrow role of a running service (or `cairn agent`): it reads its environment's desired state and
 * reports what it applied, nothing else; every other role can read that state too.
 */
export type Role = 'agent' | 'viewer' | 'editor' | 'admin';

/**
 * Namespace pattern → role. A pattern is an exact name, `*`, or a prefix ending in `*` (`team-*`). A Map, not an
 * object: namespace names are user data, and `grants["constructor"]` on an object finds Object's own function.
 */
export type Grants = ReadonlyMap<string, Role>;

export interface Operator {
  readonly name: string;
  readonly email: string;
  readonly grants: Grants;
  /**
   * The environments this token may ask desired state of, report on and follow (the tokens file's `environments`):
   * an agent's token, kept to the one environment it runs in. Absent: every environment its roles reach.
   */
  readonly environments?: readonly string[];
}

/** Whether the operator's token may act for instances of `environment`. */
export function mayServeEnvironment(operator: Operator, environment: string): boolean {
  return !operator.environments || operator.environments.includes(environment);
}

const RANK: Record<Role, number> = { agent: 0, viewer: 1, editor: 2, admin: 3 };

/** The most specific grant wins: the exact name, then the longest prefix pattern, then `*`. */
export function roleIn(grants: Grants, namespace: string): Role | null {
  const exact = grants.get(namespace);
  if (exact) return exact;
  let best: { length: number; role: Role } | null = null;
  for (const [pattern, role] of grants) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (namespace.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, role };
  }
  return best?.role ?? null;
}

export function satisfies(role: Role | null, needed: Role): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

export function isRole(value: unknown): value is Role {
  return value === 'agent' || value === 'viewer' || value === 'editor' || value === 'admin';
}
