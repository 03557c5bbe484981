import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { applyJsonPatch, createJsonPatch, type JsonPatchOperation } from '../../src/domain/json-patch.js';
import type { JsonValue } from '../../src/domain/json-value.js';

const PAIRS: readonly [string, JsonValue, JsonValue][] = [
  ['equal objects', { a: 1 }, { a: 1 }],
  ['scalar root', 1, 'one'],
  ['null root', null, { a: null }],
  ['object to array', { a: 1 }, [1]],
  ['key changes', { a: 1, b: 2, c: 3 }, { a: 1, b: 20, d: 4 }],
  ['nested objects', { svc: { limits: { cpu: 1 }, env: { A: 'x' } } }, { svc: { limits: { cpu: 2, mem: 3 }, env: {} } }],
  ['array insert in the middle', [1, 2, 3, 4], [1, 2, 99, 3, 4]],
  ['array removals', ['a', 'b', 'c', 'd', 'e'], ['b', 'd']],
  ['array reorder', [1, 2, 3], [3, 2, 1]],
  ['arrays of objects', [{ id: 1, on: true }, { id: 2 }], [{ id: 2, on: false }, { id: 1, on: true }, { id: 3 }]],
  ['array to empty', [[1], [2]], []],
  ['empty to array', [], [[1], { a: [] }]],
  ['awkward keys', { 'a/b': 1, 'm~n': 2, '': 3 }, { 'a/b': 2, '': { '~1': 'x' } }],
  ['deeply nested', { a: { b: { c: { d: [1, { e: 1 }] } } } }, { a: { b: { c: { d: [1, { e: 2 }, 3] } } } }],
  [
    'large arrays (index-wise fallback)',
    Array.from({ length: 3000 }, (_, i) => ({ id: i, v: i % 7 })),
    Array.from({ length: 2500 }, (_, i) => ({ id: i * 2, v: i % 5 })),
  ],
  [
    'many medium arrays',
    Array.from({ length: 50 }, (_, i) => Array.from({ length: 100 }, (__, j) => i + j)),
    Array.from({ length: 50 }, (_, i) => Array.from({ length: 90 }, (__, j) => i * j)),
  ],
];

describe('createJsonPatch / applyJsonPatch', () => {
  it.each(PAIRS)('round-trips %s', (_, before, after) => {
    const frozen = structuredClone(before);
    const started = performance.now();
    const patch = createJsonPatch(before, after);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(applyJsonPatch(before, patch)).toEqual(after);
    expect(before).toEqual(frozen);
  });

  it('gives no operations for equal values', () => {
    expect(createJsonPatch({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });

  it('uses rfc6902 minimal edits for small arrays', () => {
    expect(createJsonPatch({ l: [1, 2, 3] }, { l: [1, 3] })).toEqual([{ op: 'remove', path: '/l/1' }]);
  });

  it('adds or removes the whole document when one side does not exist', () => {
    expect(createJsonPatch(undefined, { a: 1 })).toEqual([{ op: 'add', path: '', value: { a: 1 } }]);
    expect(createJsonPatch({ a: 1 }, undefined)).toEqual([{ op: 'remove', path: '' }]);
    expect(createJsonPatch(undefined, undefined)).toEqual([]);
  });

  it('handles operations on the root', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: [1] }])).toEqual([1]);
    expect(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: 'x' }])).toBe('x');
    expect(applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '' }])).toEqual({ b: 1 });
    expect(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }])).toEqual({ a: 1 });
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '' }])).toThrow(InvalidInputError);
  });

  it('applies RFC 6902 operations in order', () => {
    const patch: JsonPatchOperation[] = [
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'copy', from: '/list', path: '/copy' },
      { op: 'move', from: '/old', path: '/new' },
      { op: 'test', path: '/new', value: 'x' },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/copy/0', value: 'one' },
    ];
    expect(applyJsonPatch({ list: [1, 2], old: 'x' }, patch)).toEqual({ list: [2, 3], copy: ['one', 2, 3], new: 'x' });
  });

  it.each([
    [[{ op: 'remove', path: '/missing' }], 'operation 0'],
    [[{ op: 'replace', path: '/a/b/c', value: 1 }], 'operation 0'],
    [
      [
        { op: 'add', path: '/a', value: 2 },
        { op: 'test', path: '/a', value: 3 },
      ],
      'operation 1',
    ],
    [[{ op: 'add', path: '/list/9', value: 1 }], 'operation 0'],
    [[{ op: 'add', path: 'no-slash', value: 1 }], 'operation 0'],
    [[{ op: 'add', path: '/~2', value: 1 }], 'operation 0'],
    [[{ op: 'bogus', path: '/a' }], 'operation 0'],
    [[{ op: 'add', path: '' }], 'no value'],
  ])('throws InvalidInputError for %j', (patch, where) => {
    expect(() => applyJsonPatch({ a: 1, list: [] }, patch as JsonPatchOperation[])).toThrow(InvalidInputError);
    expect(() => applyJsonPatch({ a: 1, list: [] }, patch as JsonPatchOperation[])).toThrow(where);
  });

  it.each(['/__proto__/polluted', '/constructor/prototype/polluted', '/__proto__', '/a/prototype'])(
    'refuses pointers through %j instead of letting rfc6902 redirect them',
    (path) => {
      expect(() => applyJsonPatch({ a: {} }, [{ op: 'add', path, value: { polluted: true } }])).toThrow(InvalidInputError);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    },
  );

  it('does not let the result share objects with the patch', () => {
    const value = { nested: [1] };
    const result = applyJsonPatch({}, [{ op: 'add', path: '/v', value }]);
    value.nested.push(2);
    expect(result).toEqual({ v: { nested: [1] } });
  });

  it('treats shared subtrees (from YAML aliases) as separate values', () => {
    const shared = { x: 1 };
    expect(applyJsonPatch({ a: shared, b: shared }, [{ op: 'replace', path: '/a/x', value: 2 }])).toEqual({ a: { x: 2 }, b: { x: 1 } });
  });
});
