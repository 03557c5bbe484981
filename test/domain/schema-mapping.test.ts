import { describe, expect, it } from 'vitest';
import { InvalidDocumentError } from '../../src/domain/errors.js';
import { parseSchemaMapping, schemasFor } from '../../src/domain/schema-mapping.js';

const existing = new Set(['.cairn/schemas/service.json', '.cairn/schemas/prod.json', '.cairn/schemas/sub/db.json']);
const exists = (path: string): boolean => existing.has(path);

describe('schema mapping', () => {
  it('maps globs to schema files, every matching glob adding its schemas once, in index order', () => {
    const mapping = parseSchemaMapping(
      { 'services/**/*.yaml': 'service.json', '**/prod.yaml': ['prod.json', 'service.json'], 'db/*.json': 'sub/db.json' },
      exists,
    );
    expect(schemasFor(mapping, 'services/api/prod.yaml')).toEqual(['.cairn/schemas/service.json', '.cairn/schemas/prod.json']);
    expect(schemasFor(mapping, 'services/api/dev.yaml')).toEqual(['.cairn/schemas/service.json']);
    expect(schemasFor(mapping, 'db/main.json')).toEqual(['.cairn/schemas/sub/db.json']);
    expect(schemasFor(mapping, 'db/nested/main.json')).toEqual([]);
    expect(schemasFor(mapping, '.hidden/prod.yaml')).toEqual(['.cairn/schemas/prod.json', '.cairn/schemas/service.json']);
  });

  it('never covers the schema files themselves', () => {
    expect(schemasFor(parseSchemaMapping({ '**/*.json': 'service.json' }, exists), '.cairn/schemas/service.json')).toEqual([]);
  });

  it.each([
    [[], 'must be a JSON object'],
    [{ 'a/*.json': 3 }, 'must map to a schema file name'],
    [{ 'a/*.json': [] }, 'must map to a schema file name'],
    [{ '': 'service.json' }, 'must not be empty'],
    [{ 'a/*.json': '../policy.json' }, 'is not a file name inside'],
    [{ 'a/*.json': '/etc/passwd' }, 'is not a file name inside'],
    [{ 'a/*.json': 'index.json' }, 'the index is not a schema'],
    [{ 'a/*.json': 'missing.json' }, "schema 'missing.json' does not exist"],
  ])('refuses %j', (value, detail) => {
    const attempt = (): unknown => parseSchemaMapping(value as never, exists);
    expect(attempt).toThrow(InvalidDocumentError);
    expect(attempt).toThrow(detail);
  });
});
