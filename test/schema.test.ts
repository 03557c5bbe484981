import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/graphql/schema.js';
import { CONSOLE_TYPINGS, SCHEMA_FILE, consoleTypings } from '../scripts/console-typings.js';

describe('schema/schema.graphql', () => {
  it('is exactly what the code builds (run `npm run schema:print` after changing the API)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it("matches the web console's gql.tada typings (run `npm run schema:print` after changing the API)", () => {
    expect(readFileSync(CONSOLE_TYPINGS, 'utf8')).toBe(consoleTypings(printedSchema()));
  });
});
