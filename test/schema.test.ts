import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/graphql/schema.js';

describe('schema/schema.graphql', () => {
  it('is exactly what the code builds (run `npm run schema:print` after changing the API)', () => {
    expect(readFileSync(new URL('../schema/schema.graphql', import.meta.url), 'utf8')).toBe(printedSchema());
  });
});
