import { createTwoFilesPatch, FILE_HEADERS_ONLY, formatPatch } from 'diff';

const CONTEXT_LINES = 3;
const MISSING = '/dev/null';
/**
 * Myers' diff costs about (lines × edits): a 1 MiB document whose every value changed took the event loop for most of
 * a minute. Past this many changed lines the diff is one hunk replacing what lies between the unchanged start and
 * end instead (a correct patch, less precise); the structured changes still name every value.
 */
export const MAX_EDITED_LINES = 2_000;
const NO_NEWLINE = '\\ No newline at end of file';

/**
 * A Git-style unified diff of one document. null stands for a side where the document
 * does not exist; identical texts give ''.
 */
export function unifiedDiff(path: string, oldText: string | null, newText: string | null): string {
  if (oldText === newText) return '';
  const oldName = oldText === null ? MISSING : `a/${path}`;
  const newName = newText === null ? MISSING : `b/${path}`;
  const precise = createTwoFilesPatch(oldName, newName, oldText ?? '', newText ?? '', undefined, undefined, {
    context: CONTEXT_LINES,
    headerOptions: FILE_HEADERS_ONLY,
    maxEditLength: MAX_EDITED_LINES,
  });
  return precise ?? replacementPatch(oldName, newName, oldText ?? '', newText ?? '');
}

/** Lines as a patch names them: the last one may lack its newline ('' has none). */
function linesOf(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  return { lines: (finalNewline ? text.slice(0, -1) : text).split('\n'), finalNewline };
}

/** One hunk: the lines between the common start and the common end removed, the new ones added, with context. */
function replacementPatch(oldName: string, newName: string, oldText: string, newText: string): string {
  const before = linesOf(oldText);
  const after = linesOf(newText);
  const last = (side: typeof before, i: number): boolean => i === side.lines.length - 1 && !side.finalNewline;
  // A line equal on both sides is only common when both or neither lack the final newline.
  const same = (i: number, j: number): boolean => before.lines[i] === after.lines[j] && last(before, i) === last(after, j);
  let start = 0;
  while (start < before.lines.length && start < after.lines.length && same(start, start)) start++;
  let end = 0;
  while (end < before.lines.length - start && end < after.lines.length - start && same(before.lines.length - 1 - end, after.lines.length - 1 - end)) end++;
  const from = Math.max(0, start - CONTEXT_LINES);
  const oldEnd = Math.min(before.lines.length, before.lines.length - end + CONTEXT_LINES);
  const newEnd = Math.min(after.lines.length, after.lines.length - end + CONTEXT_LINES);
  const lines: string[] = [];
  const push = (side: typeof before, i: number, sign: string): void => {
    lines.push(`${sign}${side.lines[i]}`);
    if (last(side, i)) lines.push(NO_NEWLINE);
  };
  for (let i = from; i < start; i++) push(before, i, ' ');
  for (let i = start; i < before.lines.length - end; i++) push(before, i, '-');
  for (let j = start; j < after.lines.length - end; j++) push(after, j, '+');
  for (let i = before.lines.length - end; i < oldEnd; i++) push(before, i, ' ');
  const hunk = { oldStart: from + 1, oldLines: oldEnd - from, newStart: from + 1, newLines: newEnd - from, lines };
  return formatPatch({ oldFileName: oldName, newFileName: newName, oldHeader: undefined, newHeader: undefined, hunks: [hunk] }, FILE_HEADERS_ONLY);
}
