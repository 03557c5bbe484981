import type { Signature } from './object-format.js';

/** Parsing of Git's object formats: the inverse of object-format.ts. */

export interface ParsedCommit {
  readonly tree: string;
  readonly parents: string[];
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
}

/** `Name <email> 1700000000 +0100`; the offset is kept as minutes east of UTC. */
export function parseSignature(text: string): Signature {
  const match = /^(.*?) ?<([^>]*)> (-?\d+) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!match) return { name: text, email: '', timestamp: 0, timezoneOffset: 0 };
  const minutes = Number(match[5]) * 60 + Number(match[6]);
  return { name: match[1] ?? '', email: match[2] ?? '', timestamp: Number(match[3]), timezoneOffset: match[4] === '-' ? -minutes : minutes };
}

export function parseCommit(content: Buffer): ParsedCommit {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const headers = (split < 0 ? text : text.slice(0, split)).split('\n');
  const message = split < 0 ? '' : text.slice(split + 2);
  let tree = '';
  const parents: string[] = [];
  let author: Signature | null = null;
  let committer: Signature | null = null;
  for (const line of headers) {
    if (line.startsWith(' ')) continue; // continuation of a multi-line header (gpgsig, mergetag)
    const space = line.indexOf(' ');
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    if (key === 'tree') tree = value;
    else if (key === 'parent') parents.push(value);
    else if (key === 'author') author = parseSignature(value);
    else if (key === 'committer') committer = parseSignature(value);
  }
  if (!tree || !author || !committer) throw new Error('malformed commit object');
  return { tree, parents, author, committer, message };
}

export interface ParsedTag {
  readonly object: string;
  readonly type: string;
  /** The name recorded in the object (normally the ref's name under refs/tags/). */
  readonly tag: string;
  /** null for old tags written without one. */
  readonly tagger: Signature | null;
  /** The message, without a PGP signature that may follow it. */
  readonly message: string;
}

export function parseTag(content: Buffer): ParsedTag {
  const text = content.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const header = (key: string): string | null => new RegExp(`^${key} (.*)$`, 'm').exec(head)?.[1] ?? null;
  const tagger = header('tagger');
  const signature = body.indexOf('-----BEGIN PGP SIGNATURE-----');
  return {
    object: /^object ([0-9a-f]{40})$/m.exec(head)?.[1] ?? '',
    type: /^type (\w+)$/m.exec(head)?.[1] ?? '',
    tag: header('tag') ?? '',
    tagger: tagger === null ? null : parseSignature(tagger),
    message: signature < 0 ? body : body.slice(0, signature),
  };
}
