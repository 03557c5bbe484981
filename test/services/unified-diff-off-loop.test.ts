import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/domain/text-diff.js';
import { closeDocumentParser, configureDocumentParser, unifiedDiffOf } from '../../src/services/document-parser.js';

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
