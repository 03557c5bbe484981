import { describe, expect, it } from 'vitest';
import { InvalidDocumentError } from '../../src/domain/errors.js';
import { compileSchema } from '../../src/domain/schema-compiler.js';
import { violationsOf } from '../../src/domain/schema-violation.js';

const validate = (schema: unknown, value: unknown) => violationsOf('doc.json', 's.json', compileSchema('s.json', schema as never)(value as never));

describe('schema compiler', () => {
  it('reports every violation with its pointer, keyword and the offending property name', () => {
    const schema = { type: 'object', required: ['a'], properties: { a: {}, b: { type: 'integer' }, c: { enum: ['x', 'y'] } }, additionalProperties: false };
    expect(validate(schema, { b: 'no', c: 'z', d: 1 }).map((v) => [v.pointer, v.keyword, v.message])).toEqual([
      ['', 'required', "must have required property 'a'"],
      ['', 'additionalProperties', "must NOT have additional properties: 'd'"],
      ['/b', 'type', 'must be integer'],
      ['/c', 'enum', 'must be equal to one of the allowed values: "x", "y"'],
    ]);
    expect(validate(schema, { a: 1, b: 2 })).toEqual([]);
  });

  it('picks the dialect by $schema: draft-07 by default, 2019-09 and 2020-12 on request', () => {
    expect(validate({ items: [{ type: 'string' }], additionalItems: false }, ['a', 'b'])[0]!.keyword).toBe('additionalItems');
    expect(validate({ $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'string' }], items: false }, ['a', 1])[0]!.keyword).toBe(
      'items',
    );
    expect(validate({ $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object', unevaluatedProperties: false }, { x: 1 })[0]!.message).toContain(
      "'x'",
    );
  });

  it('lets two schemas declare the same $id', () => {
    compileSchema('a.json', { $id: 'https://example.com/s', type: 'string' });
    expect(() => compileSchema('b.json', { $id: 'https://example.com/s', type: 'number' })).not.toThrow();
  });

  it('treats format as an annotation', () => {
    expect(validate({ type: 'string', format: 'email' }, 'not an email')).toEqual([]);
  });

  it.each([
    [{ type: 'nope' }, 'schema is invalid'],
    [{ type: 'object', requried: ['a'] }, 'unknown keyword: "requried"'],
    [{ $ref: 'https://example.com/s.json' }, "$ref 'https://example.com/s.json' points outside the schema"],
    [{ properties: { a: { $ref: 'other.json#/a' } } }, "$ref 'other.json#/a'"],
    [{ $ref: '#/definitions/missing' }, "can't resolve reference"],
    [{ $schema: 'https://example.com/my-meta' }, 'no schema with key or ref'],
    ['string', 'must be an object or a boolean'],
  ])('refuses %j with InvalidDocument', (schema, detail) => {
    const attempt = (): unknown => compileSchema('.cairn/schemas/s.json', schema as never);
    expect(attempt).toThrow(InvalidDocumentError);
    expect(attempt).toThrow(detail);
  });
});
