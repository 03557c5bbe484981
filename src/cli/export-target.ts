import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { usageError } from './errors.js';
import type { Progress } from './progress.js';
import { tarArchive } from './tar-archive.js';

export interface ExportedDocument {
  readonly path: string;
  readonly text: string;
}

export type TargetKind = 'directory' | 'tar' | 'tar.gz';

export function targetKind(target: string): TargetKind {
  if (/\.(tar\.gz|tgz)$/.test(target)) return 'tar.gz';
  if (target.endsWith('.tar')) return 'tar';
  return 'directory';
}

async function ensureEmptyDirectory(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw usageError(`cannot use '${dir}' as the export directory: ${error.code ?? error.message}`);
  });
  // Files already there would be mistaken for documents of the namespace.
  if (entries.length > 0) throw usageError(`'${dir}' is not empty; export into a new or empty directory`);
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    // A dangling symlink, a parent that is a file, no permission: the target is wrong, not Cairn.
    throw usageError(`cannot use '${dir}' as the export directory: ${error.code ?? error.message}`);
  });
}

/** Writes each document under `dir`, refusing any path that would land outside it. */
async function writeDocuments(dir: string, documents: readonly ExportedDocument[], progress: Progress): Promise<void> {
  const root = path.resolve(dir);
  for (const doc of documents) {
    const file = path.resolve(root, ...doc.path.split('/'));
    if (!file.startsWith(`${root}${path.sep}`)) throw usageError(`refusing to write '${doc.path}' outside the export directory`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, doc.text, 'utf8');
    progress.advance(1);
  }
}

/**
 * Where a tarball may go: a new file, or a regular file to replace. A symlink is refused (writing through it would
 * overwrite whatever it points to), and so is a directory that does not exist, as a usage error rather than a crash.
 */
async function checkTarballTarget(target: string): Promise<void> {
  const existing = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw usageError(`cannot write '${target}': ${error.code ?? error.message}`);
  });
  if (existing && !existing.isFile()) throw usageError(`'${target}' exists and is not a regular file (a symlink or directory); export to a new file`);
  const parent = await lstat(path.dirname(path.resolve(target))).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot write '${target}': ${error.code ?? error.message} (its directory must exist)`);
  });
  if (!parent.isDirectory()) throw usageError(`cannot write '${target}': ${path.dirname(target)} is not a directory`);
}

/**
 * Documents to a directory, or to a tarball built in memory from their text (no staging directory to write and
 * read back): paths and content exactly as stored, entries sorted, owner, modes and times normalized (mtime = the
 * version's time) so an export is reproducible.
 */
export async function writeExport(target: string, documents: readonly ExportedDocument[], mtime: Date, progress: Progress): Promise<TargetKind> {
  const kind = targetKind(target);
  if (kind === 'directory') {
    await ensureEmptyDirectory(target);
    await writeDocuments(target, documents, progress);
    return kind;
  }
  await checkTarballTarget(target);
  // Built next to the target and renamed over it: a failed export never leaves a truncated tarball behind.
  const partial = path.join(path.dirname(path.resolve(target)), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const files = [...documents]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((doc) => {
        checkRelative(doc.path);
        return { path: doc.path, content: Buffer.from(doc.text, 'utf8') };
      });
    const tar = tarArchive(files, mtime);
    progress.advance(documents.length);
    await writeFile(partial, kind === 'tar.gz' ? gzipSync(tar) : tar, { mode: 0o644 });
    await rename(partial, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'ENOSPC') throw usageError(`cannot write '${target}': ${code}`);
    throw error;
  } finally {
    await rm(partial, { force: true });
  }
  return kind;
}

/** A path that would leave the directory the tarball is extracted in is refused, as for a directory export. */
function checkRelative(file: string): void {
  const root = path.resolve('/export');
  const resolved = path.resolve(root, ...file.split('/'));
  if (!resolved.startsWith(`${root}${path.sep}`)) throw usageError(`refusing to write '${file}' outside the export directory`);
}
