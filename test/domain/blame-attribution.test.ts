import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangeAttribution } from '../../src/domain/blame-attribution.js';
import { PendingLeaves } from '../../src/domain/blame-pending-leaves.js';
import { ValueCount, countValues } from '../../src/domain/blame-value-count.js';
import { TooExpensiveError } from '../../src/domain/errors.js';
import { decodePointer, getAtPointer } from '../../src/domain/json-pointer.js';
import type { JsonValue } from '../../src/domain/json-value.js';
import { WorkBudget } from '../../src/domain/work-budget.js';
import { blameHistory, pointersOf, referenceBlame } from '../support/blame-reference.js';

type Version = JsonValue | undefined;

const unlimited = (): WorkBudget => new WorkBudget('TEST_LIMIT', Number.MAX_SAFE_INTEGER, 'test work');

/** Blames the last of `versions` (oldest first) with the trie and the stepped walk: pointer → version index. */
function blame(versions: readonly Version[], pointer = '', stepUnits = 4096, budget = unlimited()): { pointer: string; value: JsonValue; version: number }[] {
  const at = versions.length - 1;
  const leaves = PendingLeaves.of<number>(getAtPointer(versions[at]!, pointer)!, decodePointer(pointer), budget, unlimited());
  for (let k = at; k >= 0 && leaves.pending > 0; k -= 1) {
    const walk = new ChangeAttribution(leaves, versions[k - 1], versions[k], k, budget);
    while (!walk.step(stepUnits));
  }
  return leaves.leaves.map((leaf, i) => ({ ...leaf, version: leaves.versionOf(i) ?? at }));
}

describe('blame attribution', () => {
  it('agrees with the pairwise walk it replaces, on generated histories, pointers and step sizes', () => {
    fc.assert(
      fc.property(blameHistory, fc.nat(), fc.integer({ min: 1, max: 40 }), (versions, pick, stepUnits) => {
        const pointers = pointersOf(versions.at(-1)!);
        const pointer = pointers[pick % pointers.length]!;
        expect(blame(versions, pointer, stepUnits)).toEqual(referenceBlame(versions, pointer));
      }),
      { numRuns: 2000 },
    );
  });

  it('attributes moves, shifts, kind changes and re-creations to the version that made them', () => {
    const versions: Version[] = [
      { hosts: ['a', 'b'], limits: { mem: '1G', cpu: 1 }, idx: { 0: 'x' }, gone: 1 },
      { hosts: ['z', 'a', 'b'], limits: { cpu: 1 }, mem: '1G', idx: ['x'], gone: 1 },
      undefined,
      { hosts: ['z', 'a', 'b'], limits: { cpu: 1 }, mem: '1G', idx: ['x'], gone: 1 },
      { hosts: ['z', 'a', 'b'], limits: { cpu: 2 }, mem: '1G', idx: ['x'], gone: 1 },
    ];
    const byPointer = Object.fromEntries(blame(versions).map((e) => [e.pointer, e.version]));
    expect(byPointer).toEqual({ '/hosts/0': 3, '/hosts/1': 3, '/hosts/2': 3, '/limits/cpu': 4, '/mem': 3, '/idx/0': 3, '/gone': 3 });
    const withoutDeletion = [versions[0], versions[1], versions[4]];
    expect(Object.fromEntries(blame(withoutDeletion).map((e) => [e.pointer, e.version]))).toEqual({
      '/hosts/0': 1,
      '/hosts/1': 1,
      '/hosts/2': 1,
      '/limits/cpu': 2,
      '/mem': 1,
      // {"0": "x"} became ["x"]: the value at /idx/0 is the same, but /idx was replaced.
      '/idx/0': 1,
      '/gone': 0,
    });
  });

  it('attributes an empty object or array to the version that emptied it, without comparing what it held', () => {
    const shared = { list: [1, 2, { deep: [3] }] };
    const versions: Version[] = [{ x: { a: shared, b: shared } }, { x: {}, y: 1 }, { x: {}, y: 2 }, { x: {}, y: 3, z: [] }, { x: {}, y: 3, z: [] }];
    expect(blame(versions, '', 1)).toEqual([
      { pointer: '/x', value: {}, version: 1 },
      { pointer: '/y', value: 3, version: 3 },
      { pointer: '/z', value: [], version: 3 },
    ]);
    const budget = unlimited();
    expect(blame([{ x: Array.from({ length: 100_000 }, (_, i) => i) }, { x: [] }], '', 4096, budget)).toEqual([{ pointer: '/x', value: [], version: 1 }]);
    expect(budget.spent).toBeLessThan(10);
  });

  it('blames the leaves under a pointer only, keeping their full pointers', () => {
    const versions: Version[] = [{ a: { 'b/c': [1, 2], d: 1 } }, { a: { 'b/c': [1, 3], d: 2 } }];
    expect(blame(versions, '/a/b~1c')).toEqual([
      { pointer: '/a/b~1c/0', value: 1, version: 0 },
      { pointer: '/a/b~1c/1', value: 3, version: 1 },
    ]);
    expect(blame(versions, '/a/d')).toEqual([{ pointer: '/a/d', value: 2, version: 1 }]);
  });

  it('handles documents nested far deeper than the parser allows without recursion', () => {
    const nested = (depth: number, bottom: JsonValue): JsonValue => {
      let v = bottom;
      for (let i = 0; i < depth; i += 1) v = i % 2 === 0 ? { k: v } : [v];
      return v;
    };
    const versions: Version[] = [nested(20_000, 1), nested(20_000, 2), { top: nested(20_000, 0) }, { top: 0 }];
    expect(countValues(versions[0]!)).toBe(20_001);
    const [deepest] = blame(versions.slice(0, 2), '', 7);
    // Compared as a boolean: a failure would print a 40,000-character pointer.
    expect(deepest?.pointer === '/0/k'.repeat(10_000)).toBe(true);
    expect(deepest).toMatchObject({ value: 2, version: 1 });
    // The leaf /top was a 20,000-deep container in both older versions: compared without recursion.
    expect(blame([{ top: nested(20_000, 0) }, ...versions.slice(2)], '', 7)).toEqual([{ pointer: '/top', value: 0, version: 2 }]);
  });

  it('walks only what is still pending: a version that changes one leaf of 20,000 costs about the pending pointers', () => {
    const big = Array.from({ length: 20_000 }, (_, i) => i);
    const versions: Version[] = [big];
    for (let k = 1; k <= 50; k += 1) versions.push((versions.at(-1) as number[]).map((n, i) => (i === k ? -k : n)));
    const budget = unlimited();
    const entries = blame(versions, '', 4096, budget);
    expect(entries.filter((e) => e.version !== 0)).toEqual(Array.from({ length: 50 }, (_, i) => ({ pointer: `/${i + 1}`, value: -(i + 1), version: i + 1 })));
    // Leaves and their pointers (40,001), then 51 versions of at most 20,000 pending pointers, the array and the
    // document's root: the pairwise walk it replaces compared 20,000 pointers with each change.
    expect(budget.spent).toBeLessThanOrEqual(40_001 + 51 * 20_003);
  });

  it('refuses with TooExpensive once the budget is spent, while building the trie or walking a version', () => {
    const big = Array.from({ length: 10_000 }, (_, i) => ({ n: i }));
    expect(() => PendingLeaves.of(big, [], new WorkBudget('CAIRN_MAX_BLAME_VALUES', 5_000, 'blame reads and compares values'), unlimited())).toThrow(
      TooExpensiveError,
    );
    expect(() => PendingLeaves.of(big, [], unlimited(), new WorkBudget('CAIRN_MAX_BLAME_ENTRIES', 9_999, 'blame answers'))).toThrow(TooExpensiveError);
    expect(PendingLeaves.of(big, [], unlimited(), new WorkBudget('CAIRN_MAX_BLAME_ENTRIES', 10_000, 'blame answers')).leaves).toHaveLength(10_000);
    const budget = new WorkBudget('CAIRN_MAX_BLAME_VALUES', 60_000, 'blame reads and compares values');
    const leaves = PendingLeaves.of<number>(big, [], budget, unlimited());
    const walk = new ChangeAttribution(
      leaves,
      big.map((o) => ({ n: o.n + 1 })),
      big,
      1,
      budget,
    );
    let error: unknown;
    try {
      while (!walk.step(4096));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TooExpensiveError);
    expect(error).toMatchObject({ limit: 'CAIRN_MAX_BLAME_VALUES' });
  });

  it('counts values in steps of a few containers', () => {
    expect(countValues({ a: [1, 2, { b: null }], c: {} })).toBe(7);
    const count = new ValueCount(Array.from({ length: 1000 }, () => [1, 2]));
    // The outer array with its members, then 9 of them with their two numbers.
    expect(count.step(10)).toBe(1 + 9 * 3);
    expect(count.done).toBe(false);
    let total = 28;
    while (!count.done) total += count.step(100);
    expect(total).toBe(3001);
  });
});
