import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseDocument, serializeDocument } from '../../src/domain/document-codec.js';
import { InvalidDocumentError, InvalidInputError } from '../../src/domain/errors.js';
import type { JsonValue } from '../../src/domain/json-value.js';
import { cachedDocument, checkNewDocument, closeDocumentParser, configureDocumentParser, serializeOffLoop } from '../../src/services/document-parser.js';
import { ParsedDocumentCache } from '../../src/services/parsed-document-cache.js';

const bigYaml = (round: number): string =>
  Array.from({ length: 4_000 }, (_, i) => `key-${i}:\n  name: "service ☃ ${i}"\n  replicas: ${(i + round) % 7}\n  tags: [a, b, {c: ~}]\n`).join('');

/**
 * A large document is parsed on a worker thread, which sends its value back as JSON text: rebuilding a structured
 * clone of a 1 MiB document cost the event loop about 100 ms per write, and a write's checks rarely need the value.
 */
describe('documents parsed on a worker', () => {
  afterAll(() => closeDocumentParser());

  it('are checked without building their value on the event loop, and give the same value when asked', async () => {
    configureDocumentParser({ threads: 1 });
    const text = bigYaml(1);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      await checkNewDocument('big.yaml', text, 1 << 20, 'b1');
      expect(parse).not.toHaveBeenCalled();
      const value = cachedDocument('big.yaml', 'b1');
      expect(value).toEqual(parseDocument('big.yaml', text));
      expect(cachedDocument('big.yaml', 'b1')).toBe(value);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  it('are refused with the position of the problem, as on the event loop', async () => {
    configureDocumentParser({ threads: 1 });
    const text = `${bigYaml(2)}broken: [\n`;
    const refusal = await checkNewDocument('big.yaml', text, 1 << 20, 'b2').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InvalidDocumentError);
    expect(refusal).toMatchObject({ code: 'INVALID_DOCUMENT', line: 16_002 });
  });
});

/** The `yaml` library writes a 1 MiB value in over half a second: large values are written on a worker. */
describe('documents written from a value on a worker', () => {
  afterAll(() => closeDocumentParser());

  it('are the text serializeDocument writes, while the event loop keeps turning', async () => {
    configureDocumentParser({ threads: 1 });
    const value = parseDocument('big.yaml', bigYaml(3));
    let turns = 0;
    const ticking = setInterval(() => (turns += 1), 1);
    const text = await serializeOffLoop('yaml', value);
    clearInterval(ticking);
    expect(text).toBe(serializeDocument('yaml', value));
    expect(turns).toBeGreaterThan(5);
  });

  it('refuses a value too deep to store before writing it, as serializeDocument does', async () => {
    configureDocumentParser({ threads: 1 });
    let deep: JsonValue = 'leaf';
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    await expect(serializeOffLoop('yaml', { filler: 'x'.repeat(20_000), deep })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe('ParsedDocumentCache', () => {
  it('keeps JSON text until the value is asked for, then the value', () => {
    const cache = new ParsedDocumentCache();
    cache.set('a.yaml', 'x', { json: '{"a":[1,2]}' }, 10, 100);
    expect(cache.has('a.yaml', 'x', 100)).toBe(true);
    expect(cache.has('a.yaml', 'x', 200)).toBe(false);
    expect(cache.has('a.json', 'x')).toBe(false);
    const value = cache.get('a.yaml', 'x');
    expect(value).toEqual({ a: [1, 2] });
    expect(cache.get('a.yaml', 'x')).toBe(value);
  });

  it("keeps a worker's JSON text beside the value built from it, and has none for a value parsed here", () => {
    const cache = new ParsedDocumentCache();
    cache.set('a.yaml', 'x', { json: '{"a":[1,2]}' }, 10);
    expect(cache.holdsValue('a.yaml', 'x')).toBe(false);
    expect(cache.get('a.yaml', 'x')).toEqual({ a: [1, 2] });
    expect(cache.holdsValue('a.yaml', 'x')).toBe(true);
    expect(cache.getJson('a.yaml', 'x')).toEqual({ json: '{"a":[1,2]}', bytes: 10 });
    cache.set('b.yaml', 'y', { value: null }, 5);
    expect(cache.getJson('b.yaml', 'y')).toBeUndefined();
    expect(cache.holdsValue('b.yaml', 'y')).toBe(true);
    expect(cache.get('b.yaml', 'y')).toBeNull();
  });
});
