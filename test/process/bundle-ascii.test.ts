import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

describe('the bundle npm start runs', () => {
  // V8 keeps each script's source for as long as the process lives; one character outside ASCII makes the whole
  // source a two-byte string, twice its size in memory (9.5 MB of heap for the server's source).
  it('is ASCII throughout, so V8 holds its sources one byte per character', () => {
    const dir = inject('builtSources');
    const scripts = readdirSync(dir).filter((name) => name.endsWith('.js'));
    expect(scripts).toContain('server.js');
    const offending = scripts.filter((name) => readFileSync(path.join(dir, name)).some((byte) => byte > 0x7f));
    expect(offending).toEqual([]);
  });
});
