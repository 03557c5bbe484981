import { oldestBase } from '../../src/console/change-tray.js';
import { describe, expect, it } from 'vitest';
import { documentDiagnostics } from '../../src/console/document-lint.js';
import { globMatcher } from '../../src/console/glob.js';
import { governed } from '../../src/console/policy-rules.js';
import { ABSENT, merged, threeWay } from '../../src/console/three-way.js';

const SCHEMA = { file: '.cairn/schemas/s.json', schema: { type: 'object', required: ['port'], properties: { port: { type: 'integer' } } } };

describe('the editor: three-way merge, globs, governed paths, diagnostics', () => {
  it('takes each side’s own changes and marks values both sides changed differently', () => {
    const base = { port: 1, replicas: 2, db: { host: 'a', user: 'u' } };
    const yours = { port: 1, replicas: 5, db: { host: 'b', user: 'u' }, debug: true };
    const theirs = { port: 9, replicas: 3, db: { host: 'b' } };
    const changes = threeWay(base, yours, theirs);
    expect(changes.map((c) => [c.pointer, c.conflict])).toEqual([
      ['/db/host', false],
      ['/db/user', false],
      ['/debug', false],
      ['/port', false],
      ['/replicas', true],
    ]);
    expect(changes.find((c) => c.pointer === '/db/user')?.theirs).toBe(ABSENT);
    expect(merged(theirs, changes, new Map())).toEqual({ port: 9, replicas: 5, db: { host: 'b' }, debug: true });
    expect(merged(theirs, changes, new Map([['/replicas', 'theirs']]))).toEqual({ port: 9, replicas: 3, db: { host: 'b' }, debug: true });
  });

  it('matches globs as the policy and the schema index read them', () => {
    expect(globMatcher('prod/**')('prod/a/b.json')).toBe(true);
    expect(globMatcher('prod/**')('production/a.json')).toBe(false);
    expect(globMatcher('services/**/*.yaml')('services/api.yaml')).toBe(true);
    expect(globMatcher('*.json')('a/b.json')).toBe(false);
    expect(globMatcher('{a,b}.json')('b.json')).toBe(true);
    expect(globMatcher('a.b')('axb')).toBe(false);
  });

  it('knows a path an approval rule governs, overlays by their base', () => {
    const policy = { approvals: [{ paths: ['prod/**'], required: 1, approvers: ['a@x'] }] };
    expect(governed(policy, 'prod/app.json')).toBe(true);
    expect(governed(policy, 'prod/app.json.overlays/eu.patch.json')).toBe(true);
    expect(governed(policy, 'dev/app.json')).toBe(false);
    expect(governed(null, 'prod/app.json')).toBe(false);
  });

  it('places a schema violation on its value and a syntax error where parsing stopped', () => {
    const yaml = 'port: eighty\n';
    const [violation] = documentDiagnostics(yaml, 'YAML', [SCHEMA]);
    expect(yaml.slice(violation?.from, violation?.to)).toBe('eighty');
    expect(violation?.source).toBe('s.json');
    const [missing] = documentDiagnostics('{}\n', 'JSON', [SCHEMA]);
    expect(missing?.message).toMatch(/port/);
    const [syntax] = documentDiagnostics('{ "port": 1,, }', 'JSON', [SCHEMA]);
    expect(syntax?.message).toMatch(/^JSON:/);
    expect(documentDiagnostics('port: 80\n', 'YAML', [SCHEMA])).toEqual([]);
    // An unclosed bracket at the very end marks the last visible character, inside the text.
    const [end] = documentDiagnostics('port: [8080\n', 'YAML', []);
    expect([end?.from, end?.to]).toEqual([10, 11]);
  });
});

describe('the draft change request base', () => {
  it('is the oldest staged base by main sequence, not the first staged, and a base main lacks reads as the oldest', () => {
    const tray = [
      { path: 'a.json', text: '{}', base: 'h3' },
      { path: 'b.json', text: '{}', base: 'h1' },
      { path: 'c.json', text: '{}', base: 'h2' },
    ];
    expect(
      oldestBase(
        tray,
        new Map([
          ['h3', 3],
          ['h1', 1],
          ['h2', 2],
        ]),
      ),
    ).toBe('h1');
    expect(
      oldestBase(
        tray,
        new Map([
          ['h3', 3],
          ['h2', 2],
        ]),
      ),
    ).toBe('h1');
    expect(oldestBase([tray[0]!], new Map())).toBe('h3');
    expect(oldestBase([], new Map())).toBeNull();
  });
});
