/**
 * The names Git itself treats as its own files, read the way `git fsck` and `verify_path` read a tree entry name:
 * a port of git's path.c (`is_ntfs_dotgit`, `is_ntfs_dot_generic`) and utf8.c (`is_hfs_dot_generic`,
 * `next_hfs_char`, `pick_one_utf8_char`), over the name's UTF-8 bytes as Git sees them.
 *
 * Why not a simpler rule: Windows and macOS open `.git` under other spellings. NTFS drops trailing spaces and
 * periods, opens alternate data streams (`.git:x`, `.git::$INDEX_ALLOCATION`) and 8.3 short names (`git~1`,
 * `gi7eba~1` for `.gitmodules`); HFS+ ignores case and a list of invisible code points (`.g\u200Cit`). A repository
 * holding such a name overwrites `.git` on checkout there, so `git fsck --strict` refuses it (hasDotgit) and every
 * host with `receive.fsckObjects` refuses the push. The rules below are git's, byte for byte, so that what we
 * accept is exactly what fsck accepts, no more.
 */

/** Which of Git's special names a tree entry name is, on some filesystem, as `fsck_tree` decides it. */
export interface GitSpecialNames {
  /** `.git` (fsck: hasDotgit). */
  readonly dotGit: boolean;
  readonly gitmodules: boolean;
  readonly gitattributes: boolean;
  readonly gitignore: boolean;
  readonly mailmap: boolean;
}

const DOT = 0x2e;
const SPACE = 0x20;
const COLON = 0x3a;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const TILDE = 0x7e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_4 = 0x34;
const DIGIT_9 = 0x39;

/** Each dotfile with the fixed prefix of its 8.3 short name when Windows has to fall back to a hashed one. */
const DOTFILES = {
  gitmodules: { needle: 'gitmodules', shortPrefix: 'gi7eba' },
  gitattributes: { needle: 'gitattributes', shortPrefix: 'gi7d29' },
  gitignore: { needle: 'gitignore', shortPrefix: 'gi250a' },
  mailmap: { needle: 'mailmap', shortPrefix: 'maba30' },
} as const;

type Dotfile = keyof typeof DOTFILES;

const utf8 = new TextEncoder();

/**
 * Printable ASCII without `\` or `~`: not starting with a dot, such a segment is none of Git's special names on any
 * filesystem. Each rule needs a leading dot (HFS+ ignores only non-ASCII code points before it), a `~` (an 8.3 short
 * name) or a backslash (a Windows separator).
 */
const PLAIN_SEGMENT = /^[\x20-\x5b\x5d-\x7d]+$/;

/** A tree entry name (raw bytes, as stored in the tree object) read as fsck_tree reads it, backslashes included. */
export function gitSpecialNames(name: Uint8Array): GitSpecialNames {
  const cName = untilNul(name);
  const afterBackslashes = partsAfterBackslashes(cName);
  return {
    // fsck also reads every part after a backslash as a name, since Windows splits paths there.
    dotGit: isHfsDot(cName, 'git') || isNtfsDotGit(cName) || afterBackslashes.some(isNtfsDotGit),
    gitmodules: isDotfile(cName, 'gitmodules') || afterBackslashes.some((part) => isNtfsDotfile(part, 'gitmodules')),
    gitattributes: isDotfile(cName, 'gitattributes'),
    gitignore: isDotfile(cName, 'gitignore'),
    mailmap: isDotfile(cName, 'mailmap'),
  };
}

/**
 * Why Git would refuse a path segment as part of a document path, or null. Cairn writes documents as regular
 * blobs (mode 100644) under ordinary trees, so this is what `git fsck --strict` and `verify_path` refuse for those:
 * - a `.git` alias: hasDotgit, an error under --strict;
 * - a `.gitmodules` alias: fsck parses a blob there as submodule settings, and a document's text can be made to
 *   read as a bad one (gitmodulesName, gitmodulesUrl, ... are errors); as a folder it is gitmodulesBlob, an error;
 * - a `.gitattributes` alias: a line of 2,048 bytes or more in a blob there is gitattributesLineLength, and a
 *   folder there is gitattributesBlob, both errors.
 * `.gitignore` and `.mailmap` look-alikes stay allowed: fsck only objects to them as symbolic links (and then only
 * as information), which Cairn never writes.
 */
export function gitPathSegmentProblem(segment: string): string | null {
  // Nearly every segment; a diff of 1,000 documents checks thousands, and the full rules read them code point by code point.
  if (PLAIN_SEGMENT.test(segment) && segment.charCodeAt(0) !== DOT) return null;
  const names = gitSpecialNames(utf8.encode(segment));
  if (names.dotGit) return 'the path must not touch the .git directory (Git reads this segment as ".git" on NTFS or HFS+)';
  if (names.gitmodules) return 'a path segment must not be a name Git reads as ".gitmodules" (git fsck checks it as submodule settings)';
  if (names.gitattributes) return 'a path segment must not be a name Git reads as ".gitattributes" (git fsck checks it as an attributes file)';
  return null;
}

function isDotfile(name: Uint8Array, dotfile: Dotfile): boolean {
  return isHfsDot(name, DOTFILES[dotfile].needle) || isNtfsDotfile(name, dotfile);
}

function isNtfsDotfile(name: Uint8Array, dotfile: Dotfile): boolean {
  const { needle, shortPrefix } = DOTFILES[dotfile];
  return isNtfsDotGeneric(name, needle, shortPrefix);
}

/** C string semantics: git never looks past the first NUL. */
function untilNul(name: Uint8Array): Uint8Array {
  const nul = name.indexOf(0);
  return nul < 0 ? name : name.subarray(0, nul);
}

function partsAfterBackslashes(name: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = name.indexOf(BACKSLASH); at >= 0; at = name.indexOf(BACKSLASH, at + 1)) parts.push(name.subarray(at + 1));
  return parts;
}

/** The byte at `i`, or 0 past the end, as reading a NUL-terminated C string would give. */
function byteAt(name: Uint8Array, i: number): number {
  return i < name.length ? (name[i] ?? 0) : 0;
}

/** C's tolower() in the C locale: ASCII letters only. */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** strncasecmp(name + at, needle, needle.length) == 0, for an ASCII lower-case needle. */
function hasCaselessPrefix(name: Uint8Array, at: number, needle: string): boolean {
  for (let k = 0; k < needle.length; k += 1) {
    if (lower(byteAt(name, at + k)) !== needle.charCodeAt(k)) return false;
  }
  return true;
}

/** path.c is_ntfs_dotgit: `.git` or `git~1`, then only spaces and periods up to the end, a separator or a `:`. */
function isNtfsDotGit(name: Uint8Array): boolean {
  let i: number;
  if (byteAt(name, 0) === DOT && hasCaselessPrefix(name, 1, 'git')) i = 4;
  else if (hasCaselessPrefix(name, 0, 'git~1')) i = 5;
  else return false;
  for (;;) {
    const c = byteAt(name, i++);
    if (c === 0 || c === SLASH || c === BACKSLASH || c === COLON) return true;
    if (c !== DOT && c !== SPACE) return false;
  }
}

/** path.c is_ntfs_dot_generic: `.<needle>`, its short name `<needle:6>~1..4`, or a hashed short name. */
function isNtfsDotGeneric(name: Uint8Array, needle: string, shortPrefix: string): boolean {
  if (byteAt(name, 0) === DOT && hasCaselessPrefix(name, 1, needle)) return onlySpacesAndPeriods(name, needle.length + 1);
  if (hasCaselessPrefix(name, 0, needle.slice(0, 6)) && byteAt(name, 6) === TILDE) {
    const n = byteAt(name, 7);
    if (n >= DIGIT_1 && n <= DIGIT_4) return onlySpacesAndPeriods(name, 8);
  }
  return isFallbackShortName(name, shortPrefix) && onlySpacesAndPeriods(name, 8);
}

/**
 * The fall-back 8.3 name Windows makes when `~1`..`~4` are taken: up to six characters of a fixed prefix
 * (derived from a hash of the long name), `~`, then digits, eight characters in all.
 */
function isFallbackShortName(name: Uint8Array, shortPrefix: string): boolean {
  let sawTilde = false;
  for (let i = 0; i < 8; i += 1) {
    const c = byteAt(name, i);
    if (c === 0) return false;
    if (sawTilde) {
      if (c < DIGIT_0 || c > DIGIT_9) return false;
    } else if (c === TILDE) {
      i += 1;
      const first = byteAt(name, i);
      if (first < DIGIT_1 || first > DIGIT_9) return false;
      sawTilde = true;
    } else if (i >= 6) {
      return false;
    } else if (c & 0x80) {
      return false;
    } else if (lower(c) !== shortPrefix.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

/** NTFS trims trailing spaces and periods, and everything from a `:` on names a stream of the same file. */
function onlySpacesAndPeriods(name: Uint8Array, from: number): boolean {
  for (let i = from; ; i += 1) {
    const c = byteAt(name, i);
    if (c === 0 || c === COLON) return true;
    if (c !== SPACE && c !== DOT) return false;
  }
}

/**
 * utf8.c is_hfs_dot_generic: `.<needle>` case-insensitively once the code points HFS+ ignores are skipped. Like
 * git, malformed UTF-8 reads as the end of the name (HFS+ would store it percent-escaped).
 */
function isHfsDot(name: Uint8Array, needle: string): boolean {
  const reader = { at: 0 };
  if (nextHfsChar(name, reader) !== DOT) return false;
  for (let k = 0; k < needle.length; k += 1) {
    const c = nextHfsChar(name, reader);
    if (c > 127 || lower(c) !== needle.charCodeAt(k)) return false;
  }
  const after = nextHfsChar(name, reader);
  return after === 0 || after === SLASH;
}

/** Code points HFS+ drops from names (utf8.c next_hfs_char). */
const HFS_IGNORED = new Set([0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, 0xfeff]);

function nextHfsChar(name: Uint8Array, reader: { at: number }): number {
  for (;;) {
    const c = pickOneUtf8Char(name, reader);
    if (c === null) return 0;
    if (!HFS_IGNORED.has(c)) return c;
  }
}

/**
 * utf8.c pick_one_utf8_char: the next code point, or null for malformed UTF-8 (overlong forms, surrogates,
 * U+FFFE and U+FFFF, above U+10FFFF, truncated sequences).
 */
function pickOneUtf8Char(name: Uint8Array, reader: { at: number }): number | null {
  const s0 = byteAt(name, reader.at);
  const s1 = byteAt(name, reader.at + 1);
  const s2 = byteAt(name, reader.at + 2);
  const s3 = byteAt(name, reader.at + 3);
  const continuation = (b: number): boolean => (b & 0xc0) === 0x80;
  if (s0 < 0x80) {
    reader.at += 1;
    return s0;
  }
  if ((s0 & 0xe0) === 0xc0) {
    if (!continuation(s1) || (s0 & 0xfe) === 0xc0) return null;
    reader.at += 2;
    return ((s0 & 0x1f) << 6) | (s1 & 0x3f);
  }
  if ((s0 & 0xf0) === 0xe0) {
    if (!continuation(s1) || !continuation(s2)) return null;
    if (s0 === 0xe0 && (s1 & 0xe0) === 0x80) return null;
    if (s0 === 0xed && (s1 & 0xe0) === 0xa0) return null;
    if (s0 === 0xef && s1 === 0xbf && (s2 & 0xfe) === 0xbe) return null;
    reader.at += 3;
    return ((s0 & 0x0f) << 12) | ((s1 & 0x3f) << 6) | (s2 & 0x3f);
  }
  if ((s0 & 0xf8) === 0xf0) {
    if (!continuation(s1) || !continuation(s2) || !continuation(s3)) return null;
    if (s0 === 0xf0 && (s1 & 0xf0) === 0x80) return null;
    if ((s0 === 0xf4 && s1 > 0x8f) || s0 > 0xf4) return null;
    reader.at += 4;
    return ((s0 & 0x07) << 18) | ((s1 & 0x3f) << 12) | ((s2 & 0x3f) << 6) | (s3 & 0x3f);
  }
  return null;
}
