import { describe, expect, it } from 'vitest';
import { highlight, onlyFinalNewline, sideBySide } from '../../src/console/side-by-side.js';
import { unifiedDiff } from '../../src/domain/text-diff.js';

describe('side-by-side layout of a unified diff', () => {
  it('pairs removed and added lines, numbers both sides and keeps context', () => {
    const rows = sideBySide(unifiedDiff('a.json', '{\n  "replicas": 2,\n  "image": "x"\n}\n', '{\n  "replicas": 3,\n  "image": "x",\n  "debug": true\n}\n'));
    expect(rows[0]).toEqual({ kind: 'hunk', header: '@@ -1,4 +1,5 @@' });
    const pairs = rows
      .slice(1)
      .map((r) => (r.kind === 'pair' ? [r.left?.line ?? null, r.left?.kind ?? null, r.right?.line ?? null, r.right?.kind ?? null] : r));
    expect(pairs).toEqual([
      [1, 'context', 1, 'context'],
      [2, 'removed', 2, 'added'],
      [3, 'removed', 3, 'added'],
      [null, null, 4, 'added'],
      [4, 'context', 5, 'context'],
    ]);
  });

  it('marks the changed words of an edited line, not the whole line', () => {
    expect(highlight('  "replicas": 2,', '  "replicas": 13,')).toEqual([
      ['  "replicas": ', '2', ','],
      ['  "replicas": ', '13', ','],
    ]);
    expect(highlight('"search": false', '"search": true')).toEqual([
      ['"search": ', 'false', ''],
      ['"search": ', 'true', ''],
    ]);
  });

  it('does not mark words between lines that have little in common', () => {
    expect(highlight('    "search": true', '    "cpu": "500m"')).toEqual([
      ['    "search": true', '', ''],
      ['    "cpu": "500m"', '', ''],
    ]);
  });

  it('gives nothing for identical texts', () => {
    expect(sideBySide(unifiedDiff('a.json', '{}\n', '{}\n'))).toEqual([]);
  });

  it('says when only the newline at the end of the text changed, on the side that lacks it', () => {
    const added = sideBySide(unifiedDiff('a.yaml', 'a: 1\nb: 2', 'a: 1\nb: 2\n'));
    const pair = added.find((r) => r.kind === 'pair' && r.left?.kind === 'removed');
    expect(pair?.kind === 'pair' && [pair.left?.noNewline, pair.right?.noNewline ?? false]).toEqual([true, false]);
    expect(onlyFinalNewline(added)).toBe(true);
    expect(onlyFinalNewline(sideBySide(unifiedDiff('a.yaml', 'a: 1\nb: 2\n', 'a: 1\nb: 2')))).toBe(true);
    // A real edit of the last line, newline or not, is not labelled as a newline change.
    expect(onlyFinalNewline(sideBySide(unifiedDiff('a.yaml', 'a: 1\nb: 2', 'a: 1\nb: 3\n')))).toBe(false);
    expect(onlyFinalNewline(sideBySide(unifiedDiff('a.yaml', 'a: 1\n', 'a: 2\n')))).toBe(false);
  });
});
