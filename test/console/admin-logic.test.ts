import { describe, expect, it } from 'vitest';
import { ACROSS_ACTIONS, draftOf, exportQuery, filterOf, paramsOf } from '../../src/console/audit-filters.js';
import { policySummary } from '../../src/console/policy-summary.js';
import { coveredDocuments, globsFor, propertiesOf } from '../../src/console/schema-summary.js';

describe('the admin pages: audit filters in the address, policy and schema summaries', () => {
  it('writes the audit filters into the address and reads them back, times as instants', () => {
    const draft = { operator: ' ada ', action: 'UPDATE', subject: 'POLICY', since: '2026-03-01T10:00:00', until: '', path: 'app.json' };
    const params = new URLSearchParams(Object.entries(paramsOf(draft)).filter((e): e is [string, string] => e[1] !== undefined));
    expect([...params.keys()]).toEqual(['operator', 'action', 'subject', 'since', 'path']);
    expect(params.get('since')).toBe(new Date('2026-03-01T10:00:00').toISOString());
    expect(draftOf(params)).toEqual({ ...draft, operator: 'ada' });
    expect(filterOf(params)).toEqual({ operator: 'ada', action: 'UPDATE', subject: 'POLICY', since: params.get('since'), until: undefined, path: 'app.json' });
    expect(exportQuery(filterOf(params), 'csv')).toBe(
      `format=csv&operator=ada&action=UPDATE&subject=POLICY&since=${encodeURIComponent(params.get('since') ?? '')}&path=app.json`,
    );
  });

  it('leaves out what a hand-edited address gets wrong, and actions the audit across namespaces refuses', () => {
    const params = new URLSearchParams('action=EXPLODE&subject=ALL&since=yesterday&operator=');
    expect(filterOf(params)).toEqual({ operator: undefined, action: undefined, subject: undefined, since: undefined, until: undefined, path: undefined });
    expect(draftOf(params).since).toBe('');
    expect(filterOf(new URLSearchParams('action=APPROVE'), ACROSS_ACTIONS).action).toBeUndefined();
    expect(filterOf(new URLSearchParams('action=APPROVE')).action).toBe('APPROVE');
  });

  it('reads the policy leniently and tells no policy from one', () => {
    expect(policySummary(null)).toBeNull();
    expect(policySummary({ approvals: [{ environments: ['prod'], required: 2, approvers: ['a@x', 'b@x'] }] })).toEqual({
      approvals: [{ paths: [], environments: ['prod'], required: 2, approvers: ['a@x', 'b@x'] }],
      protectedTags: [],
      emergencyRollback: false,
    });
  });

  it('finds the globs and documents a schema covers and describes its properties', () => {
    const index = { 'services/**': 'service.json', 'prod/*.json': ['base.json', 'service.json'], 'other/**': 'other.json' };
    const globs = globsFor(index, '.cairn/schemas/service.json', '.cairn/schemas/');
    expect(globs).toEqual(['services/**', 'prod/*.json']);
    const paths = ['services/a.json', 'services/x.overlays/eu.patch.json', 'prod/b.json', 'prod/deep/c.json', '.cairn/policy.json', 'other/d.json'];
    expect(coveredDocuments(globs, paths)).toEqual(['services/a.json', 'prod/b.json']);
    const schema = {
      required: ['port'],
      properties: {
        port: { type: 'integer', description: 'The port' },
        mode: { enum: ['a', 'b'] },
        tags: { type: 'array', items: { type: 'string' } },
        host: { type: ['string', 'null'] },
        any: true,
      },
    };
    expect(propertiesOf(schema).map((p) => [p.name, p.type, p.required, p.description])).toEqual([
      ['port', 'integer', true, 'The port'],
      ['mode', 'one of "a", "b"', false, ''],
      ['tags', 'array of string', false, ''],
      ['host', 'string | null', false, ''],
      ['any', 'anything', false, ''],
    ]);
  });
});
