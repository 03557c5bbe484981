import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateObject, encodeObject } from '../../src/git/object-format.js';

describe('deflateObject', () => {
  it('deflates a small object with a 4 KiB window (zlib defaults cost most of a pack), a large one with the default window', () => {
    const small = Buffer.from('{"replicas": 3}\n'.repeat(20));
    const large = Buffer.from('x'.repeat(100_000));
    // The zlib header's CINFO nibble is log2(window) - 8.
    expect(deflateObject(small)[0]! >> 4).toBe(4);
    expect(deflateObject(large)[0]! >> 4).toBe(7);
    expect(inflateSync(deflateObject(small)).equals(small)).toBe(true);
    expect(inflateSync(deflateObject(large)).equals(large)).toBe(true);
    expect(inflateSync(encodeObject('blob', small).deflated).toString()).toBe(`blob ${small.length}\0${small.toString()}`);
  });
});
