import { describe, expect, it } from 'vitest';
import { highlight, sideBySide } from '../../src/console/side-by-side.js';
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
});
