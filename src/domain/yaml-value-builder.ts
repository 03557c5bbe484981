import { isAlias, isMap, isPair, isScalar, isSeq, type Alias, type Document, type Pair } from 'yaml';
import { expansionLimit, expansionProblem, type ExpansionLimit } from './yaml-expansion-limit.js';

/**
 * Turns a composed YAML document into plain data, as `Document.toJS()` does, in time linear in the text.
 * The library's own conversion looks each alias up by walking every anchor and alias before it, and its
 * `maxAliasCount` check walks the whole document again for each use of some anchors: 56 KB of aliases took
 * 7.5 s. Here an alias is one map lookup, shared subtrees stay shared, and every value the result holds is
 * counted (a reuse counts again), so the expansion limit is checked on the real result and the alias or merge
 * key that passes it is the one reported. Duplicate keys are found with a set per map, for the same reason:
 * the library compares each key with every key before it.
 */
export interface YamlValueProblem {
  readonly offset: number;
  readonly message: string;
}

export type YamlValueResult = { readonly value: unknown } | { readonly problem: YamlValueProblem };

/** `maxValues` is the absolute cap on expanded values; the relative one follows from the values written. */
export function buildYamlValue(document: Document.Parsed, maxValues: number): YamlValueResult {
  const limit = expansionLimit(countWrittenValues(document.contents), maxValues);
  try {
    return { value: new YamlValueBuilder(limit).build(document.contents) };
  } catch (error) {
    if (error instanceof BuildFailure) return { problem: { offset: error.offset, message: error.message } };
    throw error;
  }
}

class BuildFailure extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const MERGE_KEY = '<<';
const MERGE_SOURCE_PROBLEM = 'Merge sources must be maps or map aliases';

interface AnchorState {
  /** Undefined while the anchored node is being built: an alias then is inside it. */
  value?: unknown;
  size: number;
  done: boolean;
}

class YamlValueBuilder {
  private expanded = 0;
  private readonly anchors = new Map<string, AnchorState>();
  private readonly sizes = new WeakMap<object, number>();

  constructor(private readonly limit: ExpansionLimit) {}

  build(node: unknown): unknown {
    if (node === null || node === undefined) {
      this.expanded += 1;
      return null;
    }
    if (isAlias(node)) return this.resolve(node).value;
    const anchor = anchorOf(node);
    const state: AnchorState | null = anchor === null ? null : { size: 0, done: false };
    // Registered before the children, as the library does: the last anchor of a name before an alias wins.
    if (anchor !== null && state !== null) this.anchors.set(anchor, state);
    const before = this.expanded;
    const value = this.buildNode(node);
    const size = this.expanded - before;
    if (typeof value === 'object' && value !== null) this.sizes.set(value, size);
    if (state !== null) {
      state.value = value;
      state.size = Math.max(1, size);
      state.done = true;
    }
    return value;
  }

  private buildNode(node: unknown): unknown {
    this.expanded += 1;
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((item) => (isPair(item) ? this.buildPairInSequence(item) : this.build(item)));
    if (isMap(node)) return this.buildPairs(node.items);
    throw new BuildFailure(offsetOf(node), 'unsupported YAML node');
  }

  /** A pair written directly in a sequence (`[a: 1]`) is a one-entry map of its own. */
  private buildPairInSequence(pair: Pair): Record<string, unknown> {
    const before = this.expanded;
    this.expanded += 1;
    const value = this.buildPairs([pair]);
    this.sizes.set(value, this.expanded - before);
    return value;
  }

  private buildPairs(pairs: readonly Pair[]): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const seen = new Set<unknown>();
    for (const pair of pairs) {
      const { key } = pair;
      if (!isScalar(key)) throw new BuildFailure(offsetOf(key), 'With stringKeys, all keys must be strings');
      // Two keys with one value would silently lose one; "<<" twice is refused like any other key.
      if (seen.has(key.value)) throw new BuildFailure(offsetOf(key), 'Map keys must be unique');
      seen.add(key.value);
      const name = key.value === null || key.value === undefined ? '' : String(key.value);
      if (key.anchor) this.anchors.set(key.anchor, { value: name, size: 1, done: true });
      if (isMergeKey(key.value, key.type)) {
        this.merge(result, pair.value, offsetOf(key));
        continue;
      }
      const value = this.build(pair.value);
      // An explicit key replaces what a merge key put there before it.
      if (Object.hasOwn(result, name)) this.expanded -= this.sizeOf(result[name]);
      defineValue(result, name, value);
    }
    return result;
  }

  /** `<<: *a`, `<<: {…}` or `<<: [*a, *b]`: entries the map does not have yet are added, earlier sources first. */
  private merge(target: Record<string, unknown>, node: unknown, keyOffset: number): void {
    for (const { entries, offset } of this.mergeSources(node, keyOffset)) {
      for (const name of Object.keys(entries)) {
        if (Object.hasOwn(target, name)) continue;
        defineValue(target, name, entries[name]);
        this.expanded += this.sizeOf(entries[name]);
      }
      this.check(offset);
    }
  }

  private mergeSources(node: unknown, keyOffset: number): { entries: Record<string, unknown>; offset: number }[] {
    if (isAlias(node)) {
      // Already built: its maps are taken as they are, whatever the names in it have come to mean since.
      const { value } = this.lookup(node);
      const offset = offsetOf(node);
      const values = Array.isArray(value) ? value : [value];
      return values.map((entries: unknown) => ({ entries: mergeEntries(entries, offset), offset }));
    }
    const items = isSeq(node) ? node.items : [node];
    return items.map((item) => {
      const offset = isAlias(item) ? offsetOf(item) : keyOffset;
      if (isAlias(item)) return { entries: mergeEntries(this.lookup(item).value, offset), offset };
      if (!isMap(item)) throw new BuildFailure(offset, MERGE_SOURCE_PROBLEM);
      // A map written in place is not a value of the result: only the entries it lends are.
      const before = this.expanded;
      const entries = mergeEntries(this.build(item), offset);
      this.expanded = before;
      return { entries, offset };
    });
  }

  private resolve(alias: Alias): AnchorState {
    const state = this.lookup(alias);
    this.expanded += state.size;
    this.check(offsetOf(alias));
    return state;
  }

  private lookup(alias: Alias): AnchorState {
    const state = this.anchors.get(alias.source);
    if (state === undefined) throw new BuildFailure(offsetOf(alias), `the alias *${alias.source} names no anchor before it`);
    if (!state.done) {
      throw new BuildFailure(offsetOf(alias), `the alias *${alias.source} is inside the node its anchor names, so it would never end`);
    }
    return state;
  }

  private check(offset: number): void {
    if (this.expanded > this.limit.values) throw new BuildFailure(offset, expansionProblem(this.limit));
  }

  private sizeOf(value: unknown): number {
    return typeof value === 'object' && value !== null ? (this.sizes.get(value) ?? 1) : 1;
  }
}

/** What the text itself writes: every scalar, collection and empty value that is not a key, aliases left out. */
function countWrittenValues(root: unknown): number {
  let count = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isAlias(node)) continue;
    count += 1;
    // A pair directly in a sequence stands for a one-entry map: counted as that map, then its value.
    if (isPair(node)) pending.push(node.value);
    else if (isSeq(node)) for (const item of node.items) pending.push(item);
    else if (isMap(node)) for (const pair of node.items) pending.push(pair.value);
  }
  return count;
}

function mergeEntries(value: unknown, offset: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BuildFailure(offset, MERGE_SOURCE_PROBLEM);
  return value as Record<string, unknown>;
}

function isMergeKey(value: unknown, type: string | undefined): boolean {
  if (typeof value === 'symbol') return value.description === MERGE_KEY;
  return value === MERGE_KEY && (type === undefined || type === 'PLAIN');
}

function defineValue(target: Record<string, unknown>, name: string, value: unknown): void {
  // Assigning "__proto__" would replace the prototype; the JSON check refuses the key afterwards with its position.
  if (name === '__proto__') Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
  else target[name] = value;
}

function anchorOf(node: unknown): string | null {
  if (typeof node !== 'object' || node === null || !('anchor' in node)) return null;
  return typeof node.anchor === 'string' && node.anchor !== '' ? node.anchor : null;
}

function offsetOf(node: unknown): number {
  if (typeof node !== 'object' || node === null || !('range' in node)) return 0;
  const range: unknown = node.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : 0;
}
