import { describe, expect, it } from 'vitest';
import { InvalidDocumentError } from '../../src/domain/errors.js';
import type { JsonValue } from '../../src/domain/json-value.js';
import { parseNamespacePolicy, secretRulesFor } from '../../src/domain/namespace-policy.js';
import { overlaySecretPointers, parseSecretRule, secretPointersIn } from '../../src/domain/secret-paths.js';

describe('secret rules', () => {
  it('parse as a glob with an optional JSON pointer after #', () => {
    expect(parseSecretRule('**/credentials/**')).toEqual({ glob: '**/credentials/**', pointer: null });
    expect(parseSecretRule('services/*/db.yaml#/password')).toEqual({ glob: 'services/*/db.yaml', pointer: '/password' });
    expect(parseSecretRule('a.json#')).toEqual({ glob: 'a.json', pointer: null });
    expect(parseSecretRule('a.json#password')).toMatch(/JSON pointer/);
    expect(parseSecretRule('#/x')).toMatch(/names no documents/);
  });

  it('are part of the namespace policy, refused with the offending entry', () => {
    expect(parseNamespacePolicy({ secrets: ['x/**'] }).secrets).toEqual([{ glob: 'x/**', pointer: null }]);
    expect(parseNamespacePolicy({}).secrets).toEqual([]);
    expect(() => parseNamespacePolicy({ secrets: ['a.json#bad~2'] })).toThrow(InvalidDocumentError);
    expect(() => parseNamespacePolicy({ secrets: 'x' })).toThrow(/secrets must be an array/);
  });

  it('name every leaf under their pointer, nothing when the pointer names nothing', () => {
    const doc = { a: { b: [1, { c: 'x' }], d: {} }, e: null, 'f/g': 'y' };
    expect(secretPointersIn([{ glob: 'x', pointer: null }], doc).sort()).toEqual(['/a/b/0', '/a/b/1/c', '/e', '/f~1g']);
    expect(secretPointersIn([{ glob: 'x', pointer: '/a/b' }], doc)).toEqual(['/a/b/0', '/a/b/1/c']);
    expect(secretPointersIn([{ glob: 'x', pointer: '/nope' }], doc)).toEqual([]);
    expect(secretPointersIn([{ glob: 'x', pointer: '/a/b/7' }], doc)).toEqual([]);
    expect(secretPointersIn([{ glob: 'x', pointer: null }], 'scalar')).toEqual(['']);
  });

  it('name, in an overlay, the values of operations that set a secret of the base or a subtree holding one', () => {
    const patch: JsonValue = [
      { op: 'replace', path: '/db', value: { user: 'u', password: 'p' } },
      { op: 'add', path: '/db/password', value: 'p2' },
      { op: 'replace', path: '/dbx', value: 'no' },
      { op: 'remove', path: '/db/password' },
    ];
    expect(overlaySecretPointers([{ glob: 'x', pointer: '/db/password' }], patch)).toEqual(['/0/value/user', '/0/value/password', '/1/value']);
    expect(overlaySecretPointers([{ glob: 'x', pointer: null }], patch)).toEqual(['/0/value/user', '/0/value/password', '/1/value', '/2/value']);
  });

  it('cover the documents their glob matches', () => {
    const policy = parseNamespacePolicy({ secrets: ['services/*/db.yaml#/password', '**/credentials/**'] });
    expect(secretRulesFor(policy, 'services/api/db.yaml')).toEqual([{ glob: 'services/*/db.yaml', pointer: '/password' }]);
    expect(secretRulesFor(policy, 'prod/credentials/a.json')).toHaveLength(1);
    expect(secretRulesFor(policy, 'services/api/other.yaml')).toEqual([]);
    expect(secretRulesFor(policy, 'services/api/db.overlays/eu.patch.json')).toEqual([{ glob: 'services/*/db.yaml', pointer: '/password' }]);
  });
});
