import { gitSpecialNames } from '../domain/git-path-rules.js';

/**
 * What `git fsck --strict` refuses in one tree object: a port of fsck.c `fsck_tree` (with `verify_ordered`) and of
 * the checks it queues for the objects it finds at `.gitmodules` and `.gitattributes` (`fsck_blobs`, `fsck_blob`).
 * Only what fails fsck under --strict is reported (errors, and warnings --strict makes errors); what git only
 * mentions as information (badFilemode, gitattributesSymlink, gitignoreSymlink, mailmapSymlink, gitmodulesParse)
 * is not. Not ported: the parse of a `.gitmodules` blob as git config (gitmodulesName, gitmodulesUrl,
 * gitmodulesPath, gitmodulesUpdate).
 */

/** One of git's fsck messages: its camel-cased id (as `git fsck` prints it) and its text. */
export interface FsckFinding {
  readonly id: string;
  readonly message: string;
}

export interface TreeEntryRecord {
  /** The mode as written in the tree, e.g. "100644" or the zero-padded "040000". */
  readonly modeText: string;
  /** The mode as git reads it: octal, kept to 16 bits. */
  readonly mode: number;
  /** The name's bytes as stored: git judges bytes, not their UTF-8 decoding. */
  readonly name: Buffer;
  readonly oid: string;
}

export interface TreeFsck {
  readonly entries: readonly TreeEntryRecord[];
  readonly findings: readonly FsckFinding[];
  /** Objects named as `.gitmodules` / `.gitattributes` (not as symbolic links): fsck checks them as such files. */
  readonly gitmodules: readonly string[];
  readonly gitattributes: readonly string[];
}

export type SpecialFile = '.gitmodules' | '.gitattributes';

const OID_BYTES = 20;
const NULL_OID = '0'.repeat(OID_BYTES * 2);
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFGITLINK = 0o160000;
/** fsck.largePathname's default (git 2.43 and later; older git does not check it). */
const MAX_TREE_ENTRY_LENGTH = 4096;
/** attr.h ATTR_MAX_FILE_SIZE and ATTR_MAX_LINE_LENGTH. */
const ATTRIBUTES_MAX_SIZE = 100 * 1024 * 1024;
const ATTRIBUTES_MAX_LINE = 2048;
const SLASH = 0x2f;
const DOT = 0x2e;

export const isDirectoryMode = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
export const isSymlinkMode = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;
export const isGitlinkMode = (mode: number): boolean => (mode & S_IFMT) === S_IFGITLINK;

/** Entries of a tree object as git's decode_tree_entry reads them; throws where git says "cannot be parsed". */
export function readTreeEntries(content: Buffer): TreeEntryRecord[] {
  const entries: TreeEntryRecord[] = [];
  let pos = 0;
  while (pos < content.length) {
    if (content.length - pos < OID_BYTES + 3 || content[content.length - (OID_BYTES + 1)] !== 0) throw new Error('too-short tree object');
    const space = content.indexOf(0x20, pos);
    if (space <= pos) throw new Error('malformed mode in tree entry');
    const modeText = content.toString('latin1', pos, space);
    if (!/^[0-7]+$/.test(modeText)) throw new Error('malformed mode in tree entry');
    const nul = content.indexOf(0, space + 1);
    if (nul === space + 1) throw new Error('empty filename in tree entry');
    if (nul < 0 || nul + 1 + OID_BYTES > content.length) throw new Error('too-short tree file');
    entries.push({ modeText, mode: octal16(modeText), name: content.subarray(space + 1, nul), oid: content.toString('hex', nul + 1, nul + 1 + OID_BYTES) });
    pos = nul + 1 + OID_BYTES;
  }
  return entries;
}

/** fsck_tree: the problems of one tree, reported once per kind as git does, naming the first entry at fault. */
export function fsckTree(content: Buffer): TreeFsck {
  const entries = readTreeEntries(content);
  const found = new Map<string, FsckFinding>();
  const flag = (id: string, message: string, entry: TreeEntryRecord): void => {
    if (!found.has(id)) found.set(id, { id, message: `${message} (entry ${JSON.stringify(entry.name.toString('utf8'))})` });
  };
  const gitmodules: string[] = [];
  const gitattributes: string[] = [];
  const order = new OrderCheck();
  for (const entry of entries) {
    const { name, mode } = entry;
    if (entry.oid === NULL_OID) flag('nullSha1', 'contains entries pointing to null sha1', entry);
    if (name.includes(SLASH)) flag('fullPathname', 'contains full pathnames', entry);
    if (name.length === 1 && name[0] === DOT) flag('hasDot', "contains '.'", entry);
    if (name.length === 2 && name[0] === DOT && name[1] === DOT) flag('hasDotdot', "contains '..'", entry);
    if (entry.modeText.startsWith('0')) flag('zeroPaddedFilemode', 'contains zero-padded file modes', entry);
    if (name.length > MAX_TREE_ENTRY_LENGTH) flag('largePathname', 'contains excessively large pathname', entry);
    const special = gitSpecialNames(name);
    if (special.dotGit) flag('hasDotgit', "contains '.git'", entry);
    if (special.gitmodules) {
      if (isSymlinkMode(mode)) flag('gitmodulesSymlink', '.gitmodules is a symbolic link', entry);
      else gitmodules.push(entry.oid);
    }
    if (special.gitattributes && !isSymlinkMode(mode)) gitattributes.push(entry.oid);
    const verdict = order.next(mode, name);
    if (verdict === 'unordered') flag('treeNotSorted', 'not properly sorted', entry);
    if (verdict === 'duplicate') flag('duplicateEntries', 'contains duplicate file entries', entry);
  }
  return { entries, findings: [...found.values()], gitmodules, gitattributes };
}

/**
 * fsck_blobs and fsck_blob for an object a tree names `.gitmodules` or `.gitattributes`. `object` is null when the
 * repository does not have it.
 */
export function fsckSpecialFile(file: SpecialFile, object: { type: string; content: Buffer } | null): FsckFinding | null {
  const kind = file === '.gitmodules' ? 'gitmodules' : 'gitattributes';
  if (!object) return { id: `${kind}Missing`, message: `unable to read ${file} blob` };
  if (object.type !== 'blob') return { id: `${kind}Blob`, message: `non-blob found at ${file}` };
  if (file === '.gitmodules') return null;
  if (object.content.length > ATTRIBUTES_MAX_SIZE) return { id: 'gitattributesLarge', message: '.gitattributes too large to parse' };
  return hasLineOfAtLeast(object.content, ATTRIBUTES_MAX_LINE)
    ? { id: 'gitattributesLineLength', message: '.gitattributes has too long lines to parse' }
    : null;
}

/** Like git, reads the blob as a C string: a NUL ends it. */
function hasLineOfAtLeast(content: Buffer, length: number): boolean {
  const nul = content.indexOf(0);
  const end = nul < 0 ? content.length : nul;
  for (let start = 0; start < end;) {
    const newline = content.indexOf(0x0a, start);
    const eol = newline < 0 || newline > end ? end : newline;
    if (eol - start >= length) return true;
    start = eol + 1;
  }
  return false;
}

function octal16(text: string): number {
  let mode = 0;
  for (const digit of text) mode = ((mode << 3) + Number(digit)) & 0xffff;
  return mode;
}

/**
 * fsck.c verify_ordered across a tree's entries: names in byte order, a directory compared as if its name ended
 * with '/', and no name twice, also when a file and a directory of the same name are not adjacent
 * ("foo", "foo.bar", "foo/"): earlier file names that could still collide wait on a stack.
 */
class OrderCheck {
  private previous: { mode: number; name: Buffer } | null = null;
  private readonly candidates: Buffer[] = [];

  next(mode: number, name: Buffer): 'ordered' | 'unordered' | 'duplicate' {
    const previous = this.previous;
    this.previous = { mode, name };
    return previous === null ? 'ordered' : this.compare(previous.mode, previous.name, mode, name);
  }

  private compare(mode1: number, name1: Buffer, mode2: number, name2: Buffer): 'ordered' | 'unordered' | 'duplicate' {
    const len = Math.min(name1.length, name2.length);
    const cmp = Buffer.compare(name1.subarray(0, len), name2.subarray(0, len));
    if (cmp < 0) return 'ordered';
    if (cmp > 0) return 'unordered';
    let c1 = name1[len] ?? 0;
    let c2 = name2[len] ?? 0;
    if (c1 === 0 && c2 === 0) return 'duplicate';
    if (c1 === 0 && isDirectoryMode(mode1)) c1 = SLASH;
    if (c2 === 0 && isDirectoryMode(mode2)) c2 = SLASH;
    if (c1 === 0 && isLessThanSlash(c2)) {
      this.candidates.push(name1);
    } else if (c2 === SLASH && isLessThanSlash(c1)) {
      for (let candidate = this.candidates.pop(); candidate !== undefined; candidate = this.candidates.pop()) {
        if (!startsWith(name2, candidate)) continue;
        if (name2.length === candidate.length) return 'duplicate';
        if (isLessThanSlash(name2[candidate.length] ?? 0)) {
          this.candidates.push(candidate);
          break;
        }
      }
    }
    return c1 < c2 ? 'ordered' : 'unordered';
  }
}

function isLessThanSlash(c: number): boolean {
  return c > 0 && c < SLASH;
}

function startsWith(name: Buffer, prefix: Buffer): boolean {
  return name.length >= prefix.length && name.subarray(0, prefix.length).equals(prefix);
}
