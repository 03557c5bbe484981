import fc from 'fast-check';
import { decodePointer, encodePointer, getAtPointer } from '../../src/domain/json-pointer.js';
import { isJsonObject, type JsonValue } from '../../src/domain/json-value.js';
import { diffValues } from '../../src/domain/value-diff.js';

export interface ReferenceEntry {
  readonly pointer: string;
  readonly value: JsonValue;
  /** Index in the versions given. */
  readonly version: number;
}

/**
 * Blame by brute force, as Cairn computed it before it was made linear: for each leaf of the last version, walk the
 * versions newest first and take the first whose value diff has a change at the leaf's pointer, above it or below
 * it. `versions` are oldest first, undefined where the document did not exist; the last one is blamed.
 */
export function referenceBlame(versions: readonly (JsonValue | undefined)[], pointer: string): ReferenceEntry[] {
  const at = versions.length - 1;
  const value = getAtPointer(versions[at]!, pointer)!;
  return leavesOf(value, decodePointer(pointer)).map((leaf) => {
    for (let k = at; k >= 0; k -= 1) {
      if (diffValues(versions[k - 1], versions[k]).some((change) => related(leaf.pointer, change.pointer))) return { ...leaf, version: k };
    }
    return { ...leaf, version: at };
  });
}

function related(p: string, changed: string): boolean {
  return p === changed || changed === '' || p.startsWith(`${changed}/`) || changed.startsWith(`${p}/`);
}

function leavesOf(value: JsonValue, tokens: readonly (string | number)[]): { pointer: string; value: JsonValue }[] {
  if (Array.isArray(value) && value.length > 0) return value.flatMap((item, i) => leavesOf(item, [...tokens, i]));
  if (isJsonObject(value) && Object.keys(value).length > 0) return Object.entries(value).flatMap(([key, item]) => leavesOf(item, [...tokens, key]));
  return [{ pointer: encodePointer(tokens), value }];
}

/** Every pointer of a value, containers included, in document order. */
export function pointersOf(value: JsonValue, tokens: readonly (string | number)[] = []): string[] {
  const here = encodePointer(tokens);
  if (Array.isArray(value)) return [here, ...value.flatMap((item, i) => pointersOf(item, [...tokens, i]))];
  if (isJsonObject(value)) return [here, ...Object.entries(value).flatMap(([key, item]) => pointersOf(item, [...tokens, key]))];
  return [here];
}

type Version = JsonValue | undefined;

/** Small alphabets, so that versions share pointers, and keys that look like array indices (or nearly). */
const key = fc.constantFrom('a', 'b', '0', '1', '01', 'a/b', '~x');
const scalar = fc.constantFrom<JsonValue>(0, 1, 'x', null, true);
const { value } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(key, tie('value'), { maxKeys: 3 })),
}));

interface Edit {
  readonly kind: 'set' | 'insert' | 'remove' | 'fresh' | 'delete';
  readonly at: number;
  readonly value: JsonValue;
}
const edit: fc.Arbitrary<Edit> = fc.record({ kind: fc.constantFrom('set', 'insert', 'remove', 'fresh', 'delete'), at: fc.nat(), value });

/** A history where each version is an edit of the one before: values set, inserted into arrays (shifting), removed. */
export const blameHistory: fc.Arbitrary<Version[]> = fc.tuple(value, fc.array(edit, { maxLength: 7 }), value).map(([first, edits, last]) => {
  const versions: Version[] = [first];
  for (const e of edits) versions.push(applyEdit(versions.at(-1), e));
  if (versions.at(-1) === undefined) versions.push(last);
  return versions;
});

function applyEdit(previous: Version, e: Edit): Version {
  if (e.kind === 'delete') return undefined;
  if (previous === undefined || e.kind === 'fresh') return e.value;
  const copy = structuredClone(previous);
  const pointers = pointersOf(copy);
  const tokens = decodePointer(pointers[e.at % pointers.length]!);
  const last = tokens.pop();
  if (last === undefined) return e.kind === 'remove' ? undefined : e.value;
  const parent = getAtPointer(copy, encodePointer(tokens))!;
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (e.kind === 'insert') parent.splice(index, 0, e.value);
    else if (e.kind === 'remove') parent.splice(index, 1);
    else parent[index] = e.value;
  } else if (isJsonObject(parent)) {
    if (e.kind === 'remove') delete parent[last];
    else parent[last] = e.value;
  }
  return copy;
}
