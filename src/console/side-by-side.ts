/** A unified diff (as the server computes it) laid out side by side, GitHub style, with the changed part of each line marked. */

export interface Cell {
  readonly line: number;
  /** [unchanged start, changed middle, unchanged end]: the middle is what the reader should see. */
  readonly parts: readonly [string, string, string];
  readonly kind: 'context' | 'removed' | 'added';
}

export type Row = { readonly kind: 'hunk'; readonly header: string } | { readonly kind: 'pair'; readonly left: Cell | null; readonly right: Cell | null };

const WORD = /\w/;
const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/;

export function sideBySide(unified: string): Row[] {
  const rows: Row[] = [];
  let oldLine = 0;
  let newLine = 0;
  let removed: string[] = [];
  let added: string[] = [];
  const flush = (): void => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const before = removed[i];
      const after = added[i];
      const [left, right] = before !== undefined && after !== undefined ? highlight(before, after) : [whole(before), whole(after)];
      rows.push({
        kind: 'pair',
        left: left ? { line: ++oldLine, parts: left, kind: 'removed' } : null,
        right: right ? { line: ++newLine, parts: right, kind: 'added' } : null,
      });
    }
    removed = [];
    added = [];
  };
  for (const text of unified.split('\n')) {
    const hunk = HUNK.exec(text);
    if (hunk) {
      flush();
      oldLine = Number(hunk[1]) - 1;
      newLine = Number(hunk[2]) - 1;
      rows.push({ kind: 'hunk', header: text });
    } else if (text.startsWith('---') || text.startsWith('+++') || text.startsWith('\\') || text.startsWith('=====') || text.startsWith('Index:')) {
      continue;
    } else if (text.startsWith('-')) {
      removed.push(text.slice(1));
    } else if (text.startsWith('+')) {
      added.push(text.slice(1));
    } else if (text.startsWith(' ')) {
      flush();
      const parts: [string, string, string] = [text.slice(1), '', ''];
      rows.push({ kind: 'pair', left: { line: ++oldLine, parts, kind: 'context' }, right: { line: ++newLine, parts, kind: 'context' } });
    }
  }
  flush();
  return rows;
}

function whole(text: string | undefined): [string, string, string] | null {
  return text === undefined ? null : [text, '', ''];
}

/** The common start and end of two versions of a line stay plain; what differs between them is marked. */
export function highlight(before: string, after: string): [[string, string, string], [string, string, string]] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  // Whole words: false → true is marked as two words, not as "fals" → "tru" with a shared "e".
  while (start > 0 && WORD.test(before[start - 1] ?? '') && (WORD.test(before[start] ?? '') || WORD.test(after[start] ?? ''))) start--;
  while (
    end > 0 &&
    WORD.test(before[before.length - end] ?? '') &&
    (WORD.test(before[before.length - end - 1] ?? '') || WORD.test(after[after.length - end - 1] ?? ''))
  )
    end--;
  // Lines with little in common are different lines, not an edit of one: the line colour says enough.
  if ((start + end) * 3 < Math.max(before.length, after.length))
    return [
      [before, '', ''],
      [after, '', ''],
    ];
  const split = (text: string): [string, string, string] => [text.slice(0, start), text.slice(start, text.length - end), text.slice(text.length - end)];
  return [split(before), split(after)];
}
