import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/domain/text-diff.js';

describe('unifiedDiff', () => {
  it('writes a/ and b/ headers and three lines of context', () => {
    const before = ['{', '  "a": 1,', '  "b": 2,', '  "c": 3,', '  "d": 4,', '  "e": 5,', '  "f": 6,', '  "g": 7', '}', ''].join('\n');
    const after = before.replace('"e": 5', '"e": 50');
    expect(unifiedDiff('svc/flags.json', before, after)).toBe(
      [
        '--- a/svc/flags.json',
        '+++ b/svc/flags.json',
        '@@ -3,7 +3,7 @@',
        '   "b": 2,',
        '   "c": 3,',
        '   "d": 4,',
        '-  "e": 5,',
        '+  "e": 50,',
        '   "f": 6,',
        '   "g": 7',
        ' }',
        '',
      ].join('\n'),
    );
  });

  it('uses /dev/null for a side where the document does not exist', () => {
    expect(unifiedDiff('a.yaml', null, 'x: 1\n')).toBe('--- /dev/null\n+++ b/a.yaml\n@@ -0,0 +1,1 @@\n+x: 1\n');
    expect(unifiedDiff('a.yaml', 'x: 1\n', null)).toBe('--- a/a.yaml\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x: 1\n');
  });

  it('marks a missing final newline', () => {
    expect(unifiedDiff('a.yaml', 'x: 1', 'x: 2')).toContain('\\ No newline at end of file');
  });

  it('is empty when nothing changed', () => {
    expect(unifiedDiff('a.yaml', 'x: 1\n', 'x: 1\n')).toBe('');
    expect(unifiedDiff('a.yaml', null, null)).toBe('');
  });

  /** A pretty-printed JSON document of `count` entries; `changed(i)` picks the entries whose value differs. */
  const document = (count: number, changed: (i: number) => boolean = () => false): string =>
    `${JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`key-${i}`, { value: `${changed(i) ? 'w' : 'v'}${i}-${'x'.repeat(24)}`, replicas: 1 }])), null, 2)}\n`;

  it('stays fast when most lines of a large document changed, and its patch still turns one text into the other', () => {
    const before = document(4_000);
    const after = document(4_000, () => true);
    const started = Date.now();
    const patch = unifiedDiff('big.json', before, after);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(applyPatch(before, patch)).toBe(after);
  });

  it('keeps the unchanged start and end of a large rewrite as context, and marks a missing final newline', () => {
    const before = document(3_000, (i) => i === 0).trimEnd();
    const after = document(3_000, (i) => i > 10 && i < 2_990);
    const patch = unifiedDiff('big.json', before, after);
    expect(applyPatch(before, patch)).toBe(after);
    const lines = patch.split('\n');
    expect(lines.filter((line) => line.startsWith('@@'))).toHaveLength(1);
    expect(lines.slice(2, 5)).toEqual([expect.stringMatching(/^@@ -1,\d+ \+1,\d+ @@$/), ' {', '   "key-0": {']);
    expect(patch).toContain('\\ No newline at end of file');
  });

  it('gives a 1 MiB document whose every value changed a patch, in linear time', () => {
    const before = document(11_900);
    const after = document(11_900, () => true);
    expect(before.length).toBeGreaterThan(1_000_000);
    const started = Date.now();
    const patch = unifiedDiff('big.json', before, after);
    // Not a timing target (those are npm run bench's): a bound quadratic work would blow by minutes (well under a
    // second here idle), loose enough that a loaded machine (CI's two cores shared) does not fail it.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(applyPatch(before, patch)).toBe(after);
  });
});
