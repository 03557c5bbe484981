import { describe, expect, it } from 'vitest';
import { InvalidNamespaceError } from '../../src/domain/errors.js';
import { validateNamespaceName } from '../../src/domain/namespace-name.js';

describe('validateNamespaceName', () => {
  it.each(['payments', 'a', '0', 'team-a.prod_1', 'x'.repeat(64), 'a.b', 'gitlab', 'a-git'])('accepts %j', (name) => {
    expect(validateNamespaceName(name)).toBe(name);
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(65), 'longer than 64'],
    ['.hidden', 'start with a dot'],
    ['-dash', 'must start with a letter or digit'],
    ['_under', 'must start with a letter or digit'],
    ['Payments', 'lowercase'],
    ['a b', 'lowercase'],
    ['a/b', 'lowercase'],
    ['a\\b', 'lowercase'],
    ['ünicode', 'lowercase'],
    ['a\u0000', 'lowercase'],
    ['a..b', '".."'],
    ['a.', 'end with a dot'],
    ['repo.git', '".git"'],
    ['refs.lock', '".lock"'],
  ])('rejects %j (%s)', (name, reason) => {
    let caught: unknown;
    try {
      validateNamespaceName(name);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidNamespaceError);
    expect((caught as InvalidNamespaceError).namespace).toBe(name);
    expect((caught as InvalidNamespaceError).reason).toContain(reason);
  });
});
