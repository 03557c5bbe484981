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
});
