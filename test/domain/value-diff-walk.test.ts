import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePointer } from '../../src/domain/json-pointer.js';
import { deepEqual, isJsonObject, type JsonObject, type JsonValue } from '../../src/domain/json-value.js';
import { type ValueChange, ValueDiffWalk, diffValues } from '../../src/domain/value-diff.js';

// The recursive diff as it was before it became a walk in steps: the reference the walk must agree with.
type Tokens = readonly (string | number)[];

/**
 * Leaf-level changes from oldValue to newValue (undefined = the document does not exist).
 * Arrays are compared index by index, so the changes can be applied in the order given:
 * additions ascend and removals descend, which keeps every index valid when it is used.
 */
function referenceDiff(oldValue: JsonValue | undefined, newValue: JsonValue | undefined): ValueChange[] {
  if (oldValue === undefined) return newValue === undefined ? [] : [{ pointer: '', op: 'add', newValue }];
  if (newValue === undefined) return [{ pointer: '', op: 'remove', oldValue }];
  const changes: ValueChange[] = [];
  diffInto(changes, [], oldValue, newValue);
  return changes;
}

function diffInto(changes: ValueChange[], tokens: Tokens, oldValue: JsonValue, newValue: JsonValue): void {
  if (Array.isArray(oldValue) && Array.isArray(newValue)) {
    diffArrays(changes, tokens, oldValue, newValue);
  } else if (isJsonObject(oldValue) && isJsonObject(newValue)) {
    diffObjects(changes, tokens, oldValue, newValue);
  } else if (!deepEqual(oldValue, newValue)) {
    changes.push({ pointer: encodePointer(tokens), op: 'replace', oldValue, newValue });
  }
}

function diffObjects(changes: ValueChange[], tokens: Tokens, oldValue: JsonObject, newValue: JsonObject): void {
  for (const [key, oldChild] of Object.entries(oldValue)) {
    const newChild = Object.hasOwn(newValue, key) ? newValue[key] : undefined;
    if (newChild === undefined) {
      changes.push({ pointer: encodePointer([...tokens, key]), op: 'remove', oldValue: oldChild });
    } else {
      diffInto(changes, [...tokens, key], oldChild, newChild);
    }
  }
  for (const [key, newChild] of Object.entries(newValue)) {
    if (!Object.hasOwn(oldValue, key)) changes.push({ pointer: encodePointer([...tokens, key]), op: 'add', newValue: newChild });
  }
}

function diffArrays(changes: ValueChange[], tokens: Tokens, oldValue: JsonValue[], newValue: JsonValue[]): void {
  const common = Math.min(oldValue.length, newValue.length);
  oldValue.slice(0, common).forEach((oldItem, index) => {
    diffInto(changes, [...tokens, index], oldItem, newValue[index] ?? null);
  });
  newValue.slice(common).forEach((newItem, offset) => {
    changes.push({ pointer: encodePointer([...tokens, common + offset]), op: 'add', newValue: newItem });
  });
  const removed = oldValue.slice(common).map((oldItem, offset): ValueChange => {
    return { pointer: encodePointer([...tokens, common + offset]), op: 'remove', oldValue: oldItem };
  });
  for (const change of removed.reverse()) changes.push(change);
}

const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, 0, 1, 'a', 'b'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('x', 'y', 'z', 'a/b', '~'), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('the value diff walk', () => {
  it('gives the changes of the recursive diff, in the same order, whatever the step size', () => {
    fc.assert(
      fc.property(fc.option(json, { nil: undefined }), fc.option(json, { nil: undefined }), fc.integer({ min: 1, max: 5 }), (a, b, units) => {
        const expected = referenceDiff(a, b);
        expect(diffValues(a, b)).toEqual(expected);
        const walk = new ValueDiffWalk(a, b);
        while (!walk.step(units));
        expect(walk.changes).toEqual(expected);
      }),
      { seed: 20261208, numRuns: 3000 },
    );
  });

  it('walks a 200,000-value document without recursion, in bounded steps', () => {
    // Two chains of the same shape but distinct objects: a walk that recursed would go 20,000 frames deep.
    const chain = (): JsonValue => {
      let deep: JsonValue = 0;
      for (let i = 0; i < 20_000; i += 1) deep = { next: deep };
      return deep;
    };
    const wide = Array.from({ length: 200_000 }, (_, i) => ({ n: i }));
    const walk = new ValueDiffWalk({ wide, deep: chain() }, { wide: wide.map(({ n }) => ({ n: n === 123_456 ? -1 : n })), deep: chain() });
    let steps = 0;
    while (!walk.step(10_000)) steps += 1;
    expect(steps).toBeGreaterThanOrEqual(40);
    expect(walk.changes).toEqual([{ pointer: '/wide/123456/n', op: 'replace', oldValue: 123_456, newValue: -1 }]);
  });

  it('counts the scalars of a container it skips as compared: a step stays about its units of work', () => {
    const scalars = Array.from({ length: 200_000 }, (_, i) => i);
    const walk = new ValueDiffWalk({ a: scalars, b: scalars.map((n) => n) }, { a: scalars.map((n) => n), b: [...scalars, 1] });
    // The first array alone is 200,000 values looked at, though it changed none: the step ends there.
    expect(walk.step(100_000)).toBe(false);
    while (!walk.step(100_000));
    expect(walk.changes).toEqual([{ pointer: '/b/200000', op: 'add', newValue: 1 }]);
  });
});
