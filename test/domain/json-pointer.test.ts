import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/domain/errors.js';
import { decodePointer, encodePointer, getAtPointer } from '../../src/domain/json-pointer.js';

describe('JSON pointers', () => {
  it.each([
    [[], ''],
    [['a'], '/a'],
    [['a', 0, 'b'], '/a/0/b'],
    [[''], '/'],
    [['a/b'], '/a~1b'],
    [['m~n'], '/m~0n'],
    [['~1'], '/~01'],
    [['é', ' '], '/é/ '],
  ] as const)('encodes %j as %j and back', (tokens, pointer) => {
    expect(encodePointer(tokens)).toBe(pointer);
    expect(decodePointer(pointer)).toEqual(tokens.map(String));
  });

  it.each(['a', 'a/b', '/a~2', '/~', '/a~'])('rejects the malformed pointer %j', (pointer) => {
    expect(() => decodePointer(pointer)).toThrow(InvalidInputError);
  });

  // The examples of RFC 6901, section 5.
  const rfc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };

  it.each([
    ['', rfc],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ])('resolves %j', (pointer, expected) => {
    expect(getAtPointer(rfc, pointer)).toEqual(expected);
  });

  it.each(['/missing', '/foo/2', '/foo/-', '/foo/01', '/foo/-1', '/foo/1/x', '/foo/length', '/constructor', '/__proto__', '/toString'])(
    'gives undefined for %j',
    (pointer) => {
      expect(getAtPointer(rfc, pointer)).toBeUndefined();
    },
  );

  it('distinguishes null from missing', () => {
    expect(getAtPointer({ a: null }, '/a')).toBeNull();
    expect(getAtPointer({ a: null }, '/a/b')).toBeUndefined();
  });
});
