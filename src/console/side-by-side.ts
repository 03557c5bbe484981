/** A unified diff (as the server computes it) laid out side by side, GitHub style, with the changed part of each line marked. */

export interface Cell {
  readonly line: number;
  /** [unchanged start, changed middle, unchanged end]: the middle is what the reader should see. */
  readonly parts: readonly [string, string, string];
  readonly kind: 'context' | 'removed' | 'added';
  /** The last line of its text, with no newline after it (git's "\\ No newline at end of file"). */
  readonly noNewline?: boolean;
}

interface Line {
  readonly text: string;
  readonly noNewline: boolean;
}

export type Row = { readonly kind: 'hunk'; readonly header: string } | { readonly kind: 'pair'; readonly left: Cell | null; readonly right: Cell | null };

const WORD = /\w/;
const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/;

export function sideBySide(unified: string): Row[] {
  const rows: Row[] = [];
  let oldLine = 0;
  let newLine = 0;
  let removed: Line[] = [];
  let added: Line[] = [];
  const flush = (): void => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const before = removed[i];
      const after = added[i];
      const [left, right] = before !== undefined && after !== undefined ? highlight(before.text, after.text) : [whole(before?.text), whole(after?.text)];
      rows.push({
        kind: 'pair',
        left: left ? cell(++oldLine, left, 'removed', before?.noNewline) : null,
        right: right ? cell(++newLine, right, 'added', after?.noNewline) : null,
      });
    }
    removed = [];
    added = [];
  };
  const texts = unified.split('\n');
  texts.forEach((text, i) => {
    const hunk = HUNK.exec(text);
    // "\ No newline at end of file" is about the line just before it.
    const noNewline = texts[i + 1]?.startsWith('\\') ?? false;
    if (hunk) {
      flush();
      oldLine = Number(hunk[1]) - 1;
      newLine = Number(hunk[2]) - 1;
      rows.push({ kind: 'hunk', header: text });
    } else if (text.startsWith('---') || text.startsWith('+++') || text.startsWith('\\') || text.startsWith('=====') || text.startsWith('Index:')) {
      return;
    } else if (text.startsWith('-')) {
      removed.push({ text: text.slice(1), noNewline });
    } else if (text.startsWith('+')) {
      added.push({ text: text.slice(1), noNewline });
    } else if (text.startsWith(' ')) {
      flush();
      const parts: [string, string, string] = [text.slice(1), '', ''];
      rows.push({ kind: 'pair', left: cell(++oldLine, parts, 'context', noNewline), right: cell(++newLine, parts, 'context', noNewline) });
    }
  });
  flush();
  return rows;
}

function cell(line: number, parts: readonly [string, string, string], kind: Cell['kind'], noNewline = false): Cell {
  return noNewline ? { line, parts, kind, noNewline } : { line, parts, kind };
}

/**
 * Whether the only change is the newline at the end of the text: every changed line pairs with one that reads the
 * same, and only the newline after it differs (shown as such, not as an unexplained identical line).
 */
export function onlyFinalNewline(rows: readonly Row[]): boolean {
  const changed = rows.filter((r): r is Extract<Row, { kind: 'pair' }> => r.kind === 'pair' && (r.left?.kind !== 'context' || r.right?.kind !== 'context'));
  return (
    changed.length > 0 &&
    changed.every((r) => r.left && r.right && r.left.parts.join('') === r.right.parts.join('') && !!r.left.noNewline !== !!r.right.noNewline)
  );
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
