import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { usageError } from './errors.js';
import type { Progress } from './progress.js';

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
  await mkdir(dir, { recursive: true });
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
 * Documents to a directory, or to a tarball built from a temporary directory with tar: paths and content exactly
 * as stored, entries sorted, owner and times normalized (mtime = the version's time) so an export is reproducible.
 */
export async function writeExport(target: string, documents: readonly ExportedDocument[], mtime: Date, progress: Progress): Promise<TargetKind> {
  const kind = targetKind(target);
  if (kind === 'directory') {
    await ensureEmptyDirectory(target);
    await writeDocuments(target, documents, progress);
    return kind;
  }
  const staging = await mkdtemp(path.join(tmpdir(), 'cairn-export-'));
  try {
    await writeDocuments(staging, documents, progress);
    const paths = documents.map((d) => d.path).sort();
    await createTar({ cwd: staging, file: target, gzip: kind === 'tar.gz', portable: true, mtime, noDirRecurse: true }, paths);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return kind;
}
