import picomatch from 'picomatch';
import { InvalidDocumentError } from './errors.js';
import { baseCandidatesOf, overlayLocationOf } from './overlay-path.js';
import type { JsonValue } from './json-value.js';
import { parseSecretRule, type SecretRule } from './secret-paths.js';

/** Where a namespace keeps its policy: in its own repository, so every change to it is a reviewed, audited commit. */
export const POLICY_PATH = '.cairn/policy.json';

/**
 * Changes to documents matching `paths`, and releases to `environments`, need `required` approvals from `approvers`
 * (operator emails), through a change request.
 */
export interface ApprovalRule {
  readonly paths: readonly string[];
  /** Environments whose releases (and promotions, and rollbacks) this rule governs. */
  readonly environments: readonly string[];
  readonly required: number;
  readonly approvers: readonly string[];
}

export interface NamespacePolicy {
  /** Tag name globs (e.g. `release/*`) that can be created but never moved or deleted. */
  readonly protectedTags: readonly string[];
  /** Paths that change only through an approved change request. */
  readonly approvals: readonly ApprovalRule[];
  /** Admins may roll back without approval; such rollbacks are recorded as emergency rollbacks. */
  readonly emergencyRollback: boolean;
  /** Values stored encrypted (docs/secrets.md): `glob` or `glob#/json/pointer`. */
  readonly secrets: readonly SecretRule[];
}

export const DEFAULT_POLICY: NamespacePolicy = { protectedTags: [], approvals: [], emergencyRollback: false, secrets: [] };

/**
 * Reads `.cairn/policy.json`, e.g.
 * `{"protectedTags":["release/*"],"approvals":[{"paths":["prod/**"],"environments":["prod"],"required":2,"approvers":["a@x","b@x"]}],"emergencyRollback":true}`.
 * Every field is optional; anything else is refused with the path of the offending field.
 */
export function parseNamespacePolicy(value: JsonValue): NamespacePolicy {
  const fail = (detail: string): never => {
    throw new InvalidDocumentError(POLICY_PATH, detail);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the policy must be a JSON object');
  const known = new Set(['protectedTags', 'approvals', 'emergencyRollback', 'secrets']);
  for (const key of Object.keys(value)) if (!known.has(key)) fail(`unknown field '${key}'`);
  const strings = (field: unknown, where: string): string[] => {
    if (!Array.isArray(field) || field.some((s) => typeof s !== 'string' || s.length === 0)) return fail(`${where} must be an array of non-empty strings`);
    return field as string[];
  };
  const protectedTags = value.protectedTags === undefined ? [] : strings(value.protectedTags, 'protectedTags');
  const approvals =
    value.approvals === undefined
      ? []
      : Array.isArray(value.approvals)
        ? value.approvals.map((rule, i) => approvalRule(rule, `approvals[${i}]`, strings, fail))
        : fail('approvals must be an array');
  const emergencyRollback = value.emergencyRollback ?? false;
  if (typeof emergencyRollback !== 'boolean') fail('emergencyRollback must be true or false');
  const secrets = (value.secrets === undefined ? [] : strings(value.secrets, 'secrets')).map((spec) => {
    const rule = parseSecretRule(spec);
    return typeof rule === 'string' ? fail(`secrets: ${rule}`) : rule;
  });
  return { protectedTags, approvals, emergencyRollback: emergencyRollback as boolean, secrets };
}

function approvalRule(rule: JsonValue, where: string, strings: (field: unknown, where: string) => string[], fail: (detail: string) => never): ApprovalRule {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return fail(`${where} must be an object`);
  const paths = rule.paths === undefined ? [] : strings(rule.paths, `${where}.paths`);
  const environments = rule.environments === undefined ? [] : strings(rule.environments, `${where}.environments`);
  if (paths.length === 0 && environments.length === 0) fail(`${where} must name paths, environments or both`);
  const approvers = strings(rule.approvers, `${where}.approvers`);
  const required = rule.required;
  if (typeof required !== 'number' || !Number.isInteger(required) || required < 1 || required > approvers.length) {
    fail(`${where}.required must be an integer from 1 to the number of approvers`);
  }
  return { paths, environments, required: required as number, approvers };
}

/** Compiled glob sets, by their patterns: compiling costs far more than matching, and policies rarely change. */
const matchers = new Map<string, (name: string) => boolean>();
const MAX_MATCHERS = 512;

/** Whether `name` matches one of the glob `patterns` (`*` within a segment, `**` across segments). */
export function matchesAny(patterns: readonly string[], name: string): boolean {
  if (patterns.length === 0) return false;
  const key = patterns.join('\0');
  let matcher = matchers.get(key);
  if (!matcher) {
    if (matchers.size >= MAX_MATCHERS) matchers.clear();
    matcher = picomatch(patterns as string[], { dot: true });
    matchers.set(key, matcher);
  }
  return matcher(name);
}

/**
 * The approval rules that cover any of `paths`. An overlay is covered when its base is: it changes what the base
 * means for its cluster, so it must not be a way around the base's rule.
 */
export function rulesFor(policy: NamespacePolicy, paths: Iterable<string>): ApprovalRule[] {
  const names = [...paths].flatMap(governedNames);
  return policy.approvals.filter((rule) => names.some((p) => matchesAny(rule.paths, p)));
}

/**
 * The secret rules that cover the document at `path`: its own and, for an overlay, its base's (whose pointers then
 * name values of the base that the overlay's operations may set: see overlaySecretPointers).
 */
export function secretRulesFor(policy: NamespacePolicy, path: string): SecretRule[] {
  const names = governedNames(path);
  return policy.secrets.filter((rule) => names.some((name) => matchesAny([rule.glob], name)));
}

/** A path, and for an overlay the base documents it may apply to. */
export function governedNames(path: string): string[] {
  let location: { stem: string } | null = null;
  try {
    location = overlayLocationOf(path);
  } catch {
    // A malformed overlay path is refused by the overlay check; here it is just a path.
  }
  return location ? [path, ...baseCandidatesOf(location.stem)] : [path];
}
