import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseDocument } from '../../src/domain/document-codec.js';
import { InvalidDocumentError } from '../../src/domain/errors.js';
import { cachedDocument, checkNewDocument, closeDocumentParser, configureDocumentParser } from '../../src/services/document-parser.js';
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
});
