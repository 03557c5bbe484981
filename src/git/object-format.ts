import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * Git's loose-object encoding, done with Node's own sha1 and zlib: isomorphic-git hashes and deflates in
 * JavaScript, which made one small commit cost ~15 ms instead of ~3 ms (see design notes, "Writing fast").
 */
export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface EncodedObject {
  readonly type: ObjectType;
  readonly oid: string;
  /** zlib-deflated `type size\0content`, ready to be written as objects/xx/yyyy. */
  readonly deflated: Buffer;
  /** The raw content, for a pack pushed to a remote. */
  readonly content: Uint8Array;
}

export function encodeObject(type: ObjectType, content: Uint8Array): EncodedObject {
  const wrapped = Buffer.concat([Buffer.from(`${type} ${content.byteLength}\0`), content]);
  const oid = createHash('sha1').update(wrapped).digest('hex');
  let deflated: Buffer | null = null;
  // Deflated on first use: objects that go into a pack (a batch of imported commits) are deflated there instead.
  return {
    type,
    oid,
    get deflated(): Buffer {
      deflated ??= deflateObject(wrapped);
      return deflated;
    },
    content,
  };
}

/** Objects up to this size are deflated with a window and state sized for them. */
const SMALL_OBJECT = 4096;

/**
 * zlib with git's speed over size (level 1). A small object gets a 4 KiB window and little state: zlib's defaults
 * (32 KiB window, memLevel 8) make each call allocate and clear ~256 KiB, which cost most of a pack's time. Any
 * window up to 32 KiB inflates with the default settings, as git and every reader use.
 */
export function deflateObject(data: Uint8Array): Buffer {
  if (data.byteLength > SMALL_OBJECT) return deflateSync(data, { level: 1 });
  // An output chunk the size of the result: zlib's 16 KiB default is allocated per call and held by the result it
  // returns a slice of (a batch of small objects allocated, and a staged object kept, 16 KiB each).
  return deflateSync(data, { level: 1, windowBits: 12, memLevel: 2, chunkSize: Math.max(64, data.byteLength + DEFLATE_SLACK) });
}

/** Deflate's worst case adds 5 bytes per stored block and 6 of header and checksum; more only costs another chunk. */
const DEFLATE_SLACK = 64;

/** The id a blob would have, without deflating it: enough to tell whether a write changes anything. */
export function blobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

export const TREE_MODE = '40000';
export const BLOB_MODE = '100644';

export interface TreeEntry {
  readonly name: string;
  readonly mode: string;
  readonly oid: string;
}

export function isTreeMode(mode: string): boolean {
  return mode === TREE_MODE || mode === '040000';
}

/** Git orders tree entries by name bytes, comparing a subtree's name as if it ended with '/'. */
function sortKey(entry: TreeEntry): string {
  return isTreeMode(entry.mode) ? `${entry.name}/` : entry.name;
}

/**
 * Entries in git's order. Each key is made once, not per comparison (a commit re-encodes the trees on its paths, of
 * hundreds of entries each); ASCII keys compare as strings, which is byte order, others as their UTF-8 bytes.
 */
function sortedEntries(entries: readonly TreeEntry[]): TreeEntry[] {
  const keyed = entries.map((entry) => ({ entry, key: sortKey(entry) }));
  if (keyed.every((k) => Buffer.byteLength(k.key) === k.key.length)) keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  else {
    const bytes = new Map(keyed.map((k) => [k, Buffer.from(k.key)]));
    keyed.sort((a, b) => Buffer.compare(bytes.get(a) ?? Buffer.alloc(0), bytes.get(b) ?? Buffer.alloc(0)));
  }
  return keyed.map((k) => k.entry);
}

/** `<mode> <name>\0<20-byte id>` per entry, written into one buffer. */
export function encodeTree(entries: readonly TreeEntry[]): Buffer {
  const sorted = sortedEntries(entries);
  const heads = sorted.map((e) => `${isTreeMode(e.mode) ? TREE_MODE : e.mode} ${e.name}\0`);
  const out = Buffer.allocUnsafe(heads.reduce((n, head) => n + Buffer.byteLength(head) + 20, 0));
  let offset = 0;
  sorted.forEach((entry, i) => {
    offset += out.write(heads[i] ?? '', offset, 'utf8');
    offset += out.write(entry.oid, offset, 'hex');
  });
  if (offset !== out.length) throw new Error('a tree entry has a malformed object id');
  return out;
}

export interface Signature {
  readonly name: string;
  readonly email: string;
  /** Seconds since the epoch. */
  readonly timestamp: number;
  /** Minutes east of UTC, as Git prints it (+0100 = 60). */
  readonly timezoneOffset: number;
}

/** Names and emails come from configuration, but a stray '<', '>' or newline would corrupt the header. */
function cleanIdentityPart(value: string): string {
  return value.replace(/[<>\n\r\0]/g, '').trim();
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

export function formatSignature(sig: Signature): string {
  return `${cleanIdentityPart(sig.name)} <${cleanIdentityPart(sig.email)}> ${sig.timestamp} ${formatOffset(sig.timezoneOffset)}`;
}

export interface CommitContent {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

export function encodeCommit(commit: CommitContent): Buffer {
  const headers = [
    `tree ${commit.tree}`,
    ...commit.parents.map((p) => `parent ${p}`),
    `author ${formatSignature(commit.author)}`,
    `committer ${formatSignature(commit.committer)}`,
  ];
  return Buffer.from(`${headers.join('\n')}\n\n${commit.message}`);
}

export interface TagContent {
  /** The object tagged (a commit, for Cairn's tags). */
  readonly object: string;
  readonly type: ObjectType;
  readonly name: string;
  readonly tagger: Signature;
  readonly message: string;
}

/** An annotated tag object, as `git tag -a` writes it (without a signature). */
export function encodeTag(tag: TagContent): Buffer {
  const headers = [`object ${tag.object}`, `type ${tag.type}`, `tag ${tag.name}`, `tagger ${formatSignature(tag.tagger)}`];
  return Buffer.from(`${headers.join('\n')}\n\n${tag.message}`);
}
