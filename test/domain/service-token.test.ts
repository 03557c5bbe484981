import { describe, expect, it } from 'vitest';
import type { Operator, Role } from '../../src/domain/access.js';
import { mayGrant, validateGrantPattern } from '../../src/domain/service-token.js';

const operator = (grants: Record<string, Role>): Operator => ({ name: 'O', email: 'o@x', grants: new Map(Object.entries(grants)) });

describe('who may grant what to a service token', () => {
  it('an admin of * may grant anything; nobody may grant where they are less than admin', () => {
    const root = operator({ '*': 'admin' });
    for (const pattern of ['*', 'shop', 'team-*', 't*']) expect(mayGrant(root, pattern), pattern).toBe(true);
    const editor = operator({ '*': 'editor' });
    for (const pattern of ['*', 'shop', 'team-*']) expect(mayGrant(editor, pattern), pattern).toBe(false);
  });

  it('a prefix pattern needs admin over all it reaches: the covering grant and every narrower grant inside it', () => {
    const team = operator({ 'team-*': 'admin', 'team-secret': 'viewer', 'team-ops*': 'editor', other: 'admin' });
    expect(mayGrant(team, 'team-a')).toBe(true);
    expect(mayGrant(team, 'team-a*')).toBe(true);
    expect(mayGrant(team, 'team-secret')).toBe(false);
    expect(mayGrant(team, 'team-*')).toBe(false);
    expect(mayGrant(team, 'team-ops-1')).toBe(false);
    expect(mayGrant(team, 'team-o*')).toBe(false);
    expect(mayGrant(team, 'other')).toBe(true);
    expect(mayGrant(team, 'other*')).toBe(false);
    expect(mayGrant(team, '*')).toBe(false);
    // A narrower admin grant does not make the wider pattern grantable, and an exact admin name is no prefix.
    expect(mayGrant(operator({ 'team-a': 'admin' }), 'team-*')).toBe(false);
    expect(mayGrant(operator({ '*': 'viewer', 'team-*': 'admin' }), 'team-*')).toBe(true);
  });

  it('accepts namespace names, * and name prefixes as patterns, nothing else', () => {
    for (const pattern of ['*', 'shop', 'team-*', 'a.b_c-d', 't*']) expect(validateGrantPattern(pattern)).toBe(pattern);
    for (const pattern of ['', '**', '../x', 'Shop', 'a b', 'x*y', '*x', '.git*']) expect(() => validateGrantPattern(pattern), pattern).toThrow();
  });
});
