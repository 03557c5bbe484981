/**
 * A three-way merge of parsed documents, value by value: `base` is the version the editor opened, `theirs` the head
 * that moved meanwhile, `yours` the edited text. A value only one side changed takes that side's value; a value both
 * changed differently is a conflict the user settles. Arrays are single values: merging lists item by item guesses.
 */
export interface ValueChange {
  readonly pointer: string;
  readonly base: unknown;
  readonly yours: unknown;
  readonly theirs: unknown;
  /** Both sides changed it, differently. */
  readonly conflict: boolean;
}

export type Choice = 'yours' | 'theirs';

/** Marks a value absent from one side (a deleted key, a new one). */
export const ABSENT: unique symbol = Symbol('absent');

type Leaves = Map<string, unknown>;

export function threeWay(base: unknown, yours: unknown, theirs: unknown): ValueChange[] {
  const [b, y, t] = [leaves(base), leaves(yours), leaves(theirs)];
  const pointers = [...new Set([...b.keys(), ...y.keys(), ...t.keys()])].sort();
  return pointers.flatMap((pointer) => {
    const [bv, yv, tv] = [at(b, pointer), at(y, pointer), at(t, pointer)];
    if (same(yv, tv) && same(yv, bv)) return [];
    const conflict = !same(yv, bv) && !same(tv, bv) && !same(yv, tv);
    return [{ pointer, base: bv, yours: yv, theirs: tv, conflict }];
  });
}

/** The value each changed pointer ends with: the side that changed it, or on conflicts the side chosen (yours unless told). */
export function resolved(changes: readonly ValueChange[], choices: ReadonlyMap<string, Choice>): { pointer: string; value: unknown }[] {
  return changes.map((change) => {
    const yoursChanged = !same(change.yours, change.base);
    const pick = change.conflict ? (choices.get(change.pointer) ?? 'yours') : yoursChanged ? 'yours' : 'theirs';
    return { pointer: change.pointer, value: pick === 'yours' ? change.yours : change.theirs };
  });
}

/** Theirs with the resolved values applied. */
export function merged(theirs: unknown, changes: readonly ValueChange[], choices: ReadonlyMap<string, Choice>): unknown {
  const result = leaves(theirs);
  for (const { pointer, value } of resolved(changes, choices)) {
    if (value === ABSENT) result.delete(pointer);
    else result.set(pointer, value);
  }
  return build(result, theirs);
}

/** A pointer's keys. */
export function segmentsOf(pointer: string): string[] {
  return pointer ? pointer.slice(1).split('/').map(unescape) : [];
}

function at(map: Leaves, pointer: string): unknown {
  return map.has(pointer) ? map.get(pointer) : ABSENT;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (a !== ABSENT && b !== ABSENT && JSON.stringify(a) === JSON.stringify(b));
}

const escape = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** Every leaf of a document by JSON pointer; objects are walked, anything else (arrays too) is a leaf. */
function leaves(value: unknown, prefix = '', into: Leaves = new Map()): Leaves {
  if (isObject(value) && Object.keys(value).length) {
    for (const [key, child] of Object.entries(value)) leaves(child, `${prefix}/${escape(key)}`, into);
  } else into.set(prefix, value);
  return into;
}

/** The document from its leaves, keys in the order theirs had them (new keys after). */
function build(values: Leaves, shape: unknown): unknown {
  if (values.has('')) return values.get('');
  const root: Record<string, unknown> = orderedLike(shape);
  for (const [pointer, value] of values) {
    const segments = segmentsOf(pointer);
    let node = root;
    segments.slice(0, -1).forEach((segment) => {
      const next = node[segment];
      node = node[segment] = isObject(next) ? next : {};
    });
    node[segments[segments.length - 1] ?? ''] = value;
  }
  return prune(root);
}

/** Empty copies of theirs' objects, so merged keys keep theirs' order. */
function orderedLike(shape: unknown): Record<string, unknown> {
  if (!isObject(shape)) return {};
  return Object.fromEntries(Object.entries(shape).map(([key, child]) => [key, isObject(child) && Object.keys(child).length ? orderedLike(child) : undefined]));
}

/** Drops keys no leaf filled (deleted on the chosen side). */
function prune(node: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(node)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, isObject(v) ? prune(v) : v]),
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
