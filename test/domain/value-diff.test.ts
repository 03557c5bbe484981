import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/domain/json-value.js';
import { diffValues } from '../../src/domain/value-diff.js';

describe('diffValues', () => {
  it('finds nothing between equal values', () => {
    expect(diffValues({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
    expect(diffValues(undefined, undefined)).toEqual([]);
  });

  it('adds and removes whole documents at the root', () => {
    expect(diffValues(undefined, { a: 1 })).toEqual([{ pointer: '', op: 'add', newValue: { a: 1 } }]);
    expect(diffValues({ a: 1 }, undefined)).toEqual([{ pointer: '', op: 'remove', oldValue: { a: 1 } }]);
    expect(diffValues(undefined, null)).toEqual([{ pointer: '', op: 'add', newValue: null }]);
  });

  it('replaces scalars and type changes where they happen', () => {
    expect(diffValues(1, 2)).toEqual([{ pointer: '', op: 'replace', oldValue: 1, newValue: 2 }]);
    expect(diffValues({ a: [1] }, { a: { 0: 1 } })).toEqual([{ pointer: '/a', op: 'replace', oldValue: [1], newValue: { 0: 1 } }]);
    expect(diffValues({ a: null }, { a: 0 })).toEqual([{ pointer: '/a', op: 'replace', oldValue: null, newValue: 0 }]);
  });

  it('walks nested objects key by key: old keys in order, then new ones', () => {
    const before = { name: 'svc', limits: { cpu: 1, memory: '1Gi' }, gone: true, same: { x: 1 } };
    const after = { name: 'svc', limits: { cpu: 2, memory: '1Gi', disk: '10Gi' }, same: { x: 1 }, added: [1] };
    expect(diffValues(before, after)).toEqual([
      { pointer: '/limits/cpu', op: 'replace', oldValue: 1, newValue: 2 },
      { pointer: '/limits/disk', op: 'add', newValue: '10Gi' },
      { pointer: '/gone', op: 'remove', oldValue: true },
      { pointer: '/added', op: 'add', newValue: [1] },
    ]);
  });

  it('compares arrays by index, adding upwards and removing downwards', () => {
    expect(diffValues([1, 2, 3], [1, 5, 3, 4, 6])).toEqual([
      { pointer: '/1', op: 'replace', oldValue: 2, newValue: 5 },
      { pointer: '/3', op: 'add', newValue: 4 },
      { pointer: '/4', op: 'add', newValue: 6 },
    ]);
    expect(diffValues({ l: ['a', 'b', 'c', 'd'] }, { l: ['a'] })).toEqual([
      { pointer: '/l/3', op: 'remove', oldValue: 'd' },
      { pointer: '/l/2', op: 'remove', oldValue: 'c' },
      { pointer: '/l/1', op: 'remove', oldValue: 'b' },
    ]);
  });

  it('recurses into array elements that are containers of the same kind', () => {
    const before: JsonValue = { rules: [{ id: 1, allow: ['a'] }, { id: 2 }] };
    const after: JsonValue = { rules: [{ id: 1, allow: ['a', 'b'] }, [2]] };
    expect(diffValues(before, after)).toEqual([
      { pointer: '/rules/0/allow/1', op: 'add', newValue: 'b' },
      { pointer: '/rules/1', op: 'replace', oldValue: { id: 2 }, newValue: [2] },
    ]);
  });

  it('escapes keys in pointers', () => {
    expect(diffValues({ 'a/b': { '~': 1 } }, { 'a/b': { '~': 2 } })).toEqual([{ pointer: '/a~1b/~0', op: 'replace', oldValue: 1, newValue: 2 }]);
  });

  it('omits oldValue for additions and newValue for removals', () => {
    const [added] = diffValues({}, { a: 1 });
    const [removed] = diffValues({ a: 1 }, {});
    expect(added).not.toHaveProperty('oldValue');
    expect(removed).not.toHaveProperty('newValue');
  });
});
