import { describe, expect, it } from 'vitest';
import { roleIn } from '../../src/domain/access.js';
import { RoleMapping } from '../../src/server/role-mapping.js';

const MAPPING = RoleMapping.parse(`
platform-admins: { "*": admin }
team-a: { "team-a-*": editor, shared: viewer }
readers: { "*": viewer }
team-a-leads: { "team-a-prod": admin }
`);

describe('RoleMapping', () => {
  it('gives each group its roles per namespace pattern', () => {
    const grants = MAPPING.grantsFor(['team-a']);
    expect(roleIn(grants, 'team-a-app')).toBe('editor');
    expect(roleIn(grants, 'shared')).toBe('viewer');
    expect(roleIn(grants, 'billing')).toBeNull();
  });

  it('someone in several groups holds the highest role that applies, however specific the patterns', () => {
    const grants = MAPPING.grantsFor(['readers', 'team-a', 'team-a-leads']);
    expect(roleIn(grants, 'billing')).toBe('viewer');
    expect(roleIn(grants, 'team-a-app')).toBe('editor');
    expect(roleIn(grants, 'team-a-prod')).toBe('admin');
    // The exact `shared: viewer` must not hide a broader, higher grant of another group.
    const admin = MAPPING.grantsFor(['team-a', 'platform-admins']);
    expect(roleIn(admin, 'shared')).toBe('admin');
    expect(roleIn(admin, 'team-a-app')).toBe('admin');
  });

  it('groups it does not name, and no groups, grant nothing', () => {
    expect(MAPPING.grantsFor(['unknown']).size).toBe(0);
    expect(MAPPING.grantsFor([]).size).toBe(0);
    expect(RoleMapping.parse('').grantsFor(['platform-admins']).size).toBe(0);
  });

  it('reads JSON too', () => {
    expect(roleIn(RoleMapping.parse('{"ops": {"*": "editor"}}').grantsFor(['ops']), 'x')).toBe('editor');
  });

  it.each([
    ['a list', '- admins'],
    ['a role that is not one', 'ops: { "*": owner }'],
    ['a group without a map', 'ops: admin'],
    ['a star inside a pattern', 'ops: { "a*b": viewer }'],
    ['not YAML', 'ops: { "*": admin'],
  ])('refuses %s with the setting named', (_label, text) => {
    expect(() => RoleMapping.parse(text)).toThrow(/^CAIRN_OIDC_ROLES/);
  });
});
