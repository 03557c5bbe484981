import { InvalidPathError } from './errors.js';
import { gitPathSegmentProblem } from './git-path-rules.js';

export type DocumentFormat = 'json' | 'yaml';

/** Longest accepted path, in UTF-8 bytes. */
export const MAX_PATH_LENGTH = 512;

/** Most filesystems cap a single name at 255 bytes; a longer segment could not be checked out. */
const MAX_SEGMENT_LENGTH = 255;

// C0 and C1 controls, plus U+FFFD, which only appears when some earlier decoding step lost data.
const CONTROL_CHARACTER = /[\p{Cc}\uFFFD]/u;
// Format characters (bidi overrides and isolates, zero-width characters, BOM, soft hyphen, ...)
// are invisible, so a path holding one looks like a different path to a reviewer.
const FORMAT_CHARACTER = /\p{Cf}/u;
// A lone surrogate has no UTF-8 encoding, so Git would store a different name than the one asked for.
const LONE_SURROGATE = /\p{Cs}/u;
// Percent-encoded dots, slashes, backslashes, NULs and percent signs only make sense as an attempt
// to smuggle traversal past a decoder somewhere between the client and us.
const PERCENT_ENCODED_SEPARATOR = /%(?:2e|2f|5c|00|25)/i;
const WINDOWS_DRIVE = /^[A-Za-z]:/;
const DOCUMENT_NAME = /^.+\.(json|yaml|yml)$/;
const UNSUPPORTED_FORMAT = 'only .json, .yaml and .yml documents are supported';

/** Checks a document path inside a namespace; returns it unchanged or throws InvalidPathError. */
export function validateDocumentPath(path: string): string {
  const reason = pathProblem(path) ?? documentNameProblem(path);
  if (reason !== null) throw new InvalidPathError(path, reason);
  return path;
}

export function documentFormatOf(path: string): DocumentFormat | null {
  const extension = DOCUMENT_NAME.exec(lastSegment(path))?.[1];
  if (extension === undefined) return null;
  return extension === 'json' ? 'json' : 'yaml';
}

/** Filters Git tree listings: anything we would refuse to write is not shown as a document either. */
export function isDocumentPath(path: string): boolean {
  return pathProblem(path) === null && documentNameProblem(path) === null;
}

/** A listing filter: '' means everything; otherwise a path or directory (trailing '/' allowed). */
export function validatePathPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const reason = body === '' ? 'the prefix must not start with "/"' : pathProblem(body);
  if (reason !== null) throw new InvalidPathError(prefix, reason);
  return prefix;
}

function pathProblem(path: string): string | null {
  return characterProblem(path) ?? shapeProblem(path) ?? segmentsProblem(path.split('/'));
}

function characterProblem(path: string): string | null {
  if (path.length === 0) return 'the path is empty';
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_PATH_LENGTH) return `the path is ${bytes} bytes long, over the limit of ${MAX_PATH_LENGTH}`;
  if (CONTROL_CHARACTER.test(path)) return 'the path contains a control character';
  if (LONE_SURROGATE.test(path)) return 'the path contains an unpaired surrogate';
  if (FORMAT_CHARACTER.test(path)) return 'the path contains an invisible formatting character (such as a bidi override)';
  if (path.includes('\\')) return 'the path contains a backslash; use "/" to separate directories';
  return null;
}

function shapeProblem(path: string): string | null {
  if (path.startsWith('/')) return 'the path must be relative (no leading "/")';
  if (WINDOWS_DRIVE.test(path)) return 'the path must not start with a drive letter';
  if (PERCENT_ENCODED_SEPARATOR.test(path)) return 'the path contains a percent-encoded separator, dot or percent sign';
  // Two spellings of one name (composed and decomposed) would otherwise be two different files.
  if (path.normalize('NFC') !== path) return 'the path is not in Unicode normalization form C';
  return null;
}

function segmentsProblem(segments: readonly string[]): string | null {
  for (const segment of segments) {
    const reason = segmentProblem(segment);
    if (reason !== null) return reason;
  }
  return null;
}

function segmentProblem(segment: string): string | null {
  if (segment === '') return 'the path contains an empty segment ("//" or a trailing "/")';
  if (isDotSegment(segment)) return 'the path must not contain "." or ".." segments, or look-alikes made only of dots and spaces';
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_LENGTH) {
    return `a path segment is longer than ${MAX_SEGMENT_LENGTH} bytes`;
  }
  if (isGitDirectoryAlias(segment)) return 'the path must not touch the .git directory';
  return gitPathSegmentProblem(segment);
}

/**
 * "." and "..", also as compatibility look-alikes that NFKC folds to dots ("．．", "‥", "․․"),
 * and runs of dots and spaces, which Windows trims down to nothing.
 */
function isDotSegment(segment: string): boolean {
  return /^[. ]+$/.test(segment.normalize('NFKC'));
}

/**
 * True for names that some filesystem resolves to ".git": case-insensitive filesystems,
 * Windows dropping trailing dots and spaces, NTFS short names, and compatibility
 * look-alikes (fullwidth letters) that NFKC folds back to ASCII.
 */
function isGitDirectoryAlias(segment: string): boolean {
  const folded = segment
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[. ]+$/, '');
  return folded === '.git' || folded === 'git~1';
}

function documentNameProblem(path: string): string | null {
  return DOCUMENT_NAME.test(lastSegment(path)) ? null : UNSUPPORTED_FORMAT;
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
