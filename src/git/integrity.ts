import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { parseCommitMessage } from '../domain/commit-message.js';
import { parseCommit, parseTag } from './object-parse.js';
import type { ObjectStore } from './object-store.js';
import { fsckSpecialFile, fsckTree, isGitlinkMode, type SpecialFile } from './tree-fsck.js';

export interface IntegrityProblem {
  /** `tree`: what `git fsck --strict` refuses in a tree's entries (the message starts with fsck's id). */
  readonly kind: 'ref' | 'missing' | 'corrupt' | 'hash' | 'trailers' | 'tree';
  readonly subject: string;
  readonly message: string;
}

export interface IntegrityReport {
  readonly objectsChecked: number;
  readonly refsChecked: number;
  readonly problems: IntegrityProblem[];
}

const HEX = /^[0-9a-f]{40}$/;

/** Objects that trees name as `.gitmodules` or `.gitattributes`: fsck checks them once the walk is done. */
type SpecialFiles = Map<string, Set<SpecialFile>>;

/**
 * Re-reads every object reachable from every ref, re-hashes it, follows parent, tree and tag links, checks every
 * tree's entries as `git fsck --strict` does (names git reads as `.git`, `.`/`..`, `/` in a name, duplicates,
 * order, zero-padded modes, what sits at `.gitmodules` and `.gitattributes`) and parses the Cairn trailers of
 * every commit that has them: the same verdict as `git fsck --strict` on what Cairn depends on.
 */
export async function verifyIntegrity(gitdir: string, objects: ObjectStore): Promise<IntegrityReport> {
  const problems: IntegrityProblem[] = [];
  const specialFiles: SpecialFiles = new Map();
  const refs = await readRefs(gitdir, problems);
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const [name, oid] of refs) {
    queue.push(oid);
    if (!(await objects.rawObject(oid))) problems.push({ kind: 'ref', subject: name, message: `${name} points to ${oid}, which is not in the repository` });
  }
  while (queue.length) {
    const oid = queue.pop() ?? '';
    if (seen.has(oid)) continue;
    seen.add(oid);
    let raw: Awaited<ReturnType<ObjectStore['rawObject']>>;
    try {
      raw = await objects.rawObject(oid);
    } catch (error) {
      problems.push({ kind: 'corrupt', subject: oid, message: `cannot read: ${(error as Error).message}` });
      continue;
    }
    if (!raw) {
      problems.push({ kind: 'missing', subject: oid, message: 'referenced but not in the repository' });
      continue;
    }
    const actual = createHash('sha1').update(`${raw.type} ${raw.content.length}\0`).update(raw.content).digest('hex');
    if (actual !== oid) problems.push({ kind: 'hash', subject: oid, message: `content hashes to ${actual}` });
    try {
      queue.push(...linksOf(raw.type, raw.content, oid, problems, specialFiles));
    } catch (error) {
      problems.push({ kind: 'corrupt', subject: oid, message: (error as Error).message });
    }
  }
  await checkSpecialFiles(objects, specialFiles, problems);
  return { objectsChecked: seen.size, refsChecked: refs.size, problems };
}

function linksOf(type: string, content: Buffer, oid: string, problems: IntegrityProblem[], specialFiles: SpecialFiles): string[] {
  if (type === 'commit') {
    const commit = parseCommit(content);
    checkTrailers(oid, commit.message, problems);
    return [commit.tree, ...commit.parents];
  }
  if (type === 'tree') return treeLinks(content, oid, problems, specialFiles);
  if (type === 'tag') return [parseTag(content).object];
  return [];
}

function treeLinks(content: Buffer, oid: string, problems: IntegrityProblem[], specialFiles: SpecialFiles): string[] {
  const tree = fsckTree(content);
  for (const finding of tree.findings) problems.push({ kind: 'tree', subject: oid, message: `${finding.id}: ${finding.message}` });
  for (const target of tree.gitmodules) noteSpecialFile(specialFiles, target, '.gitmodules');
  for (const target of tree.gitattributes) noteSpecialFile(specialFiles, target, '.gitattributes');
  return tree.entries.filter((e) => !isGitlinkMode(e.mode)).map((e) => e.oid);
}

function noteSpecialFile(specialFiles: SpecialFiles, oid: string, file: SpecialFile): void {
  const files = specialFiles.get(oid) ?? new Set<SpecialFile>();
  files.add(file);
  specialFiles.set(oid, files);
}

/** What a tree names `.gitmodules` or `.gitattributes` must be a blob git can read as one (fsck_blobs). */
async function checkSpecialFiles(objects: ObjectStore, specialFiles: SpecialFiles, problems: IntegrityProblem[]): Promise<void> {
  for (const [oid, files] of specialFiles) {
    const raw = await objects.rawObject(oid).catch(() => null);
    for (const file of files) {
      const finding = fsckSpecialFile(file, raw);
      if (finding) problems.push({ kind: 'tree', subject: oid, message: `${finding.id}: ${finding.message}` });
    }
  }
}

/** A commit whose last paragraph speaks Cairn's trailers must state a valid action, and only once. */
function checkTrailers(oid: string, message: string, problems: IntegrityProblem[]): void {
  const lastParagraph =
    message
      .trimEnd()
      .split(/\n\s*\n/)
      .at(-1) ?? '';
  if (!/^Cairn-/m.test(lastParagraph)) return;
  try {
    if (!parseCommitMessage(message).trailers) problems.push({ kind: 'trailers', subject: oid, message: 'Cairn trailers without a valid Cairn-Action' });
  } catch (error) {
    problems.push({ kind: 'trailers', subject: oid, message: (error as Error).message });
  }
}

/** Every ref, loose and packed, with its target; a loose ref that is not one hash line is a problem. */
async function readRefs(gitdir: string, problems: IntegrityProblem[]): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  const packed = await fsp.readFile(path.join(gitdir, 'packed-refs'), 'utf8').catch(() => '');
  for (const line of packed.split('\n')) {
    const [oid, name] = line.split(' ');
    if (oid && name && HEX.test(oid)) refs.set(name, oid);
  }
  for (const file of await listFiles(path.join(gitdir, 'refs'))) {
    const name = path.relative(gitdir, file).split(path.sep).join('/');
    if (name.endsWith('.lock')) continue;
    const content = (await fsp.readFile(file, 'utf8')).trim();
    if (HEX.test(content)) refs.set(name, content);
    else problems.push({ kind: 'ref', subject: name, message: `not an object id: '${content.slice(0, 50)}'` });
  }
  return refs;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : Promise.resolve([path.join(dir, e.name)]))));
  return nested.flat();
}
