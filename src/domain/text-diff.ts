import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

const CONTEXT_LINES = 3;
const MISSING = '/dev/null';

/**
 * A Git-style unified diff of one document. null stands for a side where the document
 * does not exist; identical texts give ''.
 */
export function unifiedDiff(path: string, oldText: string | null, newText: string | null): string {
  if (oldText === newText) return '';
  return createTwoFilesPatch(
    oldText === null ? MISSING : `a/${path}`,
    newText === null ? MISSING : `b/${path}`,
    oldText ?? '',
    newText ?? '',
    undefined,
    undefined,
    { context: CONTEXT_LINES, headerOptions: FILE_HEADERS_ONLY },
  );
}
