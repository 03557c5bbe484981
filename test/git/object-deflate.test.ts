import { randomBytes } from 'node:crypto';
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

  it('holds no more memory than the deflated bytes need, for any small object, compressible or not', () => {
    for (const size of [0, 1, 63, 64, 500, 4000, 4096]) {
      for (const data of [Buffer.alloc(size, 'a'), randomBytes(size)]) {
        const deflated = deflateObject(data);
        expect(inflateSync(deflated).equals(data)).toBe(true);
        // zlib's default output chunk (16 KiB) stayed allocated behind a small result; a small chunk comes from
        // Node's shared buffer pool, a larger one is about the result's size.
        expect(deflated.buffer.byteLength).toBeLessThanOrEqual(Math.max(Buffer.poolSize, size + 1024));
      }
    }
  });
});
