import { InvalidDocumentError, InvalidInputError } from './errors.js';
import type { JsonValue } from './json-value.js';
import { validateClusterName } from './overlay-path.js';

/**
 * Where a namespace defines its environments: in its own repository, so defining or changing one is a commit with
 * an author, reviewed and audited like any document under `.cairn/`.
 */
export const ENVIRONMENTS_PATH = '.cairn/environments.json';

/** How many environments one namespace may define: each is a branch and a row on every status page. */
export const MAX_ENVIRONMENTS = 64;

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const MAX_DESCRIPTION_LENGTH = 500;
const MAX_HEALTHY_SECONDS = 30 * 24 * 3600;

export interface EnvironmentDefinition {
  readonly name: string;
  readonly description: string;
  /** Versions reach this environment only from that one: released there first (`promote`, or a release checked against its history). */
  readonly promotesFrom: string | null;
  /**
   * With `promotesFrom`: how long a version must have run there, its rollout complete and no instance reporting it
   * failed, before this environment takes it (seconds; 0: as soon as it was released there).
   */
  readonly healthyForSeconds: number;
  /** The clusters its instances run in (each may have its overlays); empty: any cluster. */
  readonly clusters: readonly string[];
}

/** The branch holding an environment's releases: `git log` on it is the environment's release history. */
export function releaseBranch(environment: string): string {
  return `${BRANCH_PREFIX}${environment}`;
}

/** The environment whose release branch `ref` is; null for any other ref. */
export function environmentOfBranch(ref: string): string | null {
  const name = ref.startsWith(BRANCH_PREFIX) ? ref.slice(BRANCH_PREFIX.length) : null;
  return name !== null && NAME.test(name) ? name : null;
}

const BRANCH_PREFIX = 'refs/heads/environments/';

export function isEnvironmentName(name: string): boolean {
  return NAME.test(name);
}

export function validateEnvironmentName(name: string): string {
  if (!NAME.test(name)) throw new InvalidInputError(`'${name}' is not an environment name: 1 to 32 lowercase letters, digits and '-', starting with a letter`);
  return name;
}

/**
 * Reads `.cairn/environments.json`, e.g. `{"environments":[{"name":"staging"},{"name":"prod","promotesFrom":"staging"}]}`.
 * Names are unique, `promotesFrom` names another environment of the file and never loops back.
 */
export function parseEnvironments(value: JsonValue): EnvironmentDefinition[] {
  const fail = (detail: string): never => {
    throw new InvalidDocumentError(ENVIRONMENTS_PATH, detail);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the file must be a JSON object');
  for (const key of Object.keys(value)) if (key !== 'environments') fail(`unknown field '${key}'`);
  const list = value.environments ?? [];
  if (!Array.isArray(list)) return fail('environments must be an array');
  if (list.length > MAX_ENVIRONMENTS) fail(`at most ${MAX_ENVIRONMENTS} environments`);
  const definitions = list.map((entry, i) => parseDefinition(entry, `environments[${i}]`, fail));
  checkReferences(definitions, fail);
  return definitions;
}

/** The file's text for these definitions: stable key order, two-space indent, final newline. */
export function formatEnvironments(definitions: readonly EnvironmentDefinition[]): string {
  const environments = definitions.map((d) => ({
    name: d.name,
    ...(d.description ? { description: d.description } : {}),
    ...(d.promotesFrom ? { promotesFrom: d.promotesFrom } : {}),
    ...(d.healthyForSeconds ? { healthyForSeconds: d.healthyForSeconds } : {}),
    ...(d.clusters.length ? { clusters: d.clusters } : {}),
  }));
  return `${JSON.stringify({ environments }, null, 2)}\n`;
}

/** The definitions with `definition` added, or replacing the one of the same name (in place, so the order stays). */
export function withEnvironment(definitions: readonly EnvironmentDefinition[], definition: EnvironmentDefinition): EnvironmentDefinition[] {
  const at = definitions.findIndex((d) => d.name === definition.name);
  if (at === -1) return [...definitions, definition];
  return definitions.map((d, i) => (i === at ? definition : d));
}

function parseDefinition(entry: JsonValue, where: string, fail: (detail: string) => never): EnvironmentDefinition {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail(`${where} must be an object`);
  for (const key of Object.keys(entry)) {
    if (!['name', 'description', 'promotesFrom', 'healthyForSeconds', 'clusters'].includes(key)) fail(`${where}: unknown field '${key}'`);
  }
  const { name, description, promotesFrom, healthyForSeconds = 0, clusters = [] } = entry;
  if (typeof healthyForSeconds !== 'number' || !Number.isInteger(healthyForSeconds) || healthyForSeconds < 0 || healthyForSeconds > MAX_HEALTHY_SECONDS) {
    fail(`${where}.healthyForSeconds must be a whole number of seconds from 0 to ${MAX_HEALTHY_SECONDS}`);
  }
  if (healthyForSeconds && (promotesFrom === undefined || promotesFrom === null)) fail(`${where}.healthyForSeconds needs promotesFrom: healthy where?`);
  if (typeof name !== 'string' || !NAME.test(name)) return fail(`${where}.name must be 1 to 32 lowercase letters, digits and '-', starting with a letter`);
  if (description !== undefined && (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH)) {
    fail(`${where}.description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  if (promotesFrom !== undefined && promotesFrom !== null && typeof promotesFrom !== 'string') fail(`${where}.promotesFrom must be an environment name`);
  if (!Array.isArray(clusters) || clusters.some((c) => typeof c !== 'string' || !isClusterName(c)) || new Set(clusters).size !== clusters.length) {
    fail(`${where}.clusters must be distinct cluster names`);
  }
  return {
    name,
    description: typeof description === 'string' ? description : '',
    promotesFrom: typeof promotesFrom === 'string' ? promotesFrom : null,
    healthyForSeconds: healthyForSeconds as number,
    clusters: (clusters as string[]).slice(),
  };
}

/** Unique names, `promotesFrom` naming another defined environment, and no chain of them looping back (linear: each environment is walked once). */
function checkReferences(definitions: readonly EnvironmentDefinition[], fail: (detail: string) => never): void {
  const byName = new Map<string, EnvironmentDefinition>();
  for (const d of definitions) {
    if (byName.has(d.name)) fail(`environment '${d.name}' is defined twice`);
    byName.set(d.name, d);
  }
  for (const d of definitions) {
    if (d.promotesFrom === null) continue;
    if (d.promotesFrom === d.name) fail(`environment '${d.name}' cannot promote from itself`);
    if (!byName.has(d.promotesFrom)) fail(`environment '${d.name}' promotes from '${d.promotesFrom}', which is not defined`);
  }
  const settled = new Set<string>();
  for (const d of definitions) {
    const walk = new Set<string>();
    let current: EnvironmentDefinition | undefined = d;
    while (current && !settled.has(current.name)) {
      if (walk.has(current.name)) fail(`environments promote from each other in a loop through '${current.name}'`);
      walk.add(current.name);
      current = current.promotesFrom ? byName.get(current.promotesFrom) : undefined;
    }
    for (const name of walk) settled.add(name);
  }
}

function isClusterName(name: string): boolean {
  try {
    validateClusterName(name);
    return true;
  } catch {
    return false;
  }
}
