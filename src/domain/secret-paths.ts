import { decodePointer, encodePointer } from './json-pointer.js';
import { isJsonObject, type JsonValue } from './json-value.js';

/**
 * One entry of a policy's `secrets`: documents matching `glob`, and in them the value at `pointer` (RFC 6901), or
 * every value of the document when there is no pointer. Written `services/*\/db.yaml#/password` or `**\/credentials/**`.
 */
export interface SecretRule {
  readonly glob: string;
  /** null: the whole document. */
  readonly pointer: string | null;
}

/** Parses `glob` or `glob#pointer`; the reason it is refused otherwise (for the policy's error message). */
export function parseSecretRule(spec: string): SecretRule | string {
  const hash = spec.indexOf('#');
  const glob = hash < 0 ? spec : spec.slice(0, hash);
  if (glob.length === 0) return `'${spec}' names no documents`;
  if (hash < 0) return { glob, pointer: null };
  const pointer = spec.slice(hash + 1);
  try {
    decodePointer(pointer);
  } catch {
    return `'${spec}': after '#' comes a JSON pointer, empty or starting with '/'`;
  }
  return { glob, pointer: pointer === '' ? null : pointer };
}

/**
 * The pointers of the leaf values (strings, numbers, booleans, null) of `value` that `rules` (those that cover its
 * document: see secretRulesFor) make secret. A rule's pointer to a subtree makes every leaf under it secret; a pointer to nothing makes nothing secret
 * (a document without that value has nothing to hide there). Empty objects and arrays hold no value to hide.
 */
export function secretPointersIn(rules: readonly SecretRule[], value: JsonValue): string[] {
  const found = new Set<string>();
  for (const rule of rules) {
    const tokens = rule.pointer === null ? [] : decodePointer(rule.pointer);
    const start = descend(value, tokens);
    if (start !== undefined) collectLeaves(start, tokens, found);
  }
  return [...found];
}

/**
 * For an overlay (an RFC 6902 patch) of a document with secrets: the leaves of every operation's `value` that sets
 * a secret of the base, or a subtree holding one (then all of its leaves, the safe side). Operations are matched by
 * their `path` against the rules' pointers; a rule without a pointer makes every value secret.
 */
export function overlaySecretPointers(rules: readonly SecretRule[], patch: JsonValue): string[] {
  if (!Array.isArray(patch)) return [];
  const found = new Set<string>();
  patch.forEach((operation, index) => {
    if (!isJsonObject(operation) || !Object.hasOwn(operation, 'value') || typeof operation.path !== 'string') return;
    const target = operation.path;
    const secret = rules.some((rule) => rule.pointer === null || overlaps(rule.pointer, target));
    if (secret) collectLeaves(operation.value ?? null, [String(index), 'value'], found);
  });
  return [...found];
}

/** One pointer names the other or a value inside it. */
function overlaps(a: string, b: string): boolean {
  const inside = (outer: string, inner: string): boolean => inner === outer || inner.startsWith(`${outer}/`);
  return inside(a, b) || inside(b, a);
}

function descend(value: JsonValue, tokens: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const token of tokens) {
    if (Array.isArray(current)) current = /^(?:0|[1-9][0-9]*)$/.test(token) ? current[Number(token)] : undefined;
    else if (isJsonObject(current)) current = Object.hasOwn(current, token) ? current[token] : undefined;
    else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

function collectLeaves(value: JsonValue, at: string[], found: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectLeaves(item, [...at, String(i)], found));
  } else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) collectLeaves(item, [...at, key], found);
  } else {
    found.add(encodePointer(at));
  }
}
