import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/domain/text-diff.js';
import { parseDocument } from '../../src/domain/document-codec.js';
import { createJsonPatch } from '../../src/domain/json-patch.js';
import { closeDocumentParser, configureDocumentParser, patchOf, unifiedDiffOf } from '../../src/services/document-parser.js';

const lines = (count: number, value: (i: number) => number): string => Array.from({ length: count }, (_, i) => `key-${i}:\n  replicas: ${value(i)}\n`).join('');

/**
 * A large document's line diff runs on the parse pool's worker thread (a 1 MiB YAML document with thousands of changed
 * lines held the event loop about a second): the same patch as on the event loop, while the loop stays free.
 */
describe('unified diffs of large documents, off the event loop', () => {
  afterAll(() => closeDocumentParser());

  it('answers the patch the inline diff gives, and the event loop keeps turning meanwhile', async () => {
    configureDocumentParser({ threads: 1 });
    const before = lines(20_000, (i) => i % 7);
    const after = lines(20_000, (i) => (i * 2) % 7);
    let turns = 0;
    const ticking = setInterval(() => (turns += 1), 1);
    const patch = await unifiedDiffOf('big.yaml', before, after);
    clearInterval(ticking);
    expect(patch).toBe(unifiedDiff('big.yaml', before, after));
    expect(patch.startsWith('--- a/big.yaml\n+++ b/big.yaml\n')).toBe(true);
    // On the event loop, the diff would have run in one synchronous stretch: no timer could fire during it.
    expect(turns).toBeGreaterThan(5);
  });

  it('diffs small texts in place, and a created document against nothing', async () => {
    expect(await unifiedDiffOf('a.json', null, '{}\n')).toBe(unifiedDiff('a.json', null, '{}\n'));
    expect(await unifiedDiffOf('a.json', '{}\n', '{}\n')).toBe('');
  });
});

/** rfc6902 walks both values in one stretch; between large versions it runs on the worker, from the texts. */
describe('patches between large versions, off the event loop', () => {
  afterAll(() => closeDocumentParser());

  it('answers the patch computed in place, and the event loop keeps turning meanwhile', async () => {
    configureDocumentParser({ threads: 1 });
    const before = lines(20_000, (i) => i % 7);
    const after = lines(20_000, (i) => (i % 100 === 0 ? 9 : i % 7));
    const expected = createJsonPatch(parseDocument('big.yaml', before), parseDocument('big.yaml', after));
    let inline = 0;
    let turns = 0;
    const ticking = setInterval(() => (turns += 1), 1);
    const patch = await patchOf({ path: 'big.yaml', before, after }, async () => {
      inline += 1;
      return [];
    });
    clearInterval(ticking);
    expect(patch).toEqual(expected);
    expect(patch).toHaveLength(200);
    expect(inline).toBe(0);
    expect(turns).toBeGreaterThan(5);
  });

  it('computes small ones in place, and a document that does not parse has no value on the worker either', async () => {
    expect(await patchOf({ path: 'a.json', before: '{}', after: '{"a":1}' }, async () => [{ op: 'add', path: '/a', value: 1 }])).toEqual([
      { op: 'add', path: '/a', value: 1 },
    ]);
    const broken = `${lines(5_000, (i) => i)}[oops\n`;
    expect(await patchOf({ path: 'big.yaml', before: broken, after: lines(5_000, (i) => i) }, async () => [])).toEqual([
      {
        op: 'add',
        path: '',
        value: parseDocument(
          'big.yaml',
          lines(5_000, (i) => i),
        ),
      },
    ]);
  });
});
