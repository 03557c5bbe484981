import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { validateDocumentPath } from '../domain/document-path.js';
import { InvalidPathError } from '../domain/errors.js';
import { CliError, usageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { HttpClient } from './http-client.js';
import { namespaceForImport } from './namespace-state.js';
import { APPLY_CHANGES, unwrap } from './operations.js';
import type { WritePayload } from './write-result.js';

export interface DirectoryImport {
  readonly payload: WritePayload | null;
  readonly documents: number;
  readonly deleted: readonly string[];
  /** Files that are not JSON/YAML documents (or not valid UTF-8), by path relative to the directory. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface Listing {
  readonly files: string[];
  /** Symlinks, sockets and the like: never followed, reported as skipped. */
  readonly others: string[];
}

/** Every entry under `dir` (but .git), as paths relative to it with "/" separators. */
async function walk(dir: string): Promise<Listing> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw usageError(`cannot read directory '${dir}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const listing: Listing = { files: [], others: [] };
  for (const entry of entries) {
    // Dirent.parentPath arrived in Node 20.12; earlier 20.x name it `path`.
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
    const relative = path.relative(dir, path.join(parent, entry.name)).split(path.sep).join('/');
    if (relative === '.git' || relative.startsWith('.git/') || entry.isDirectory()) continue;
    (entry.isFile() ? listing.files : listing.others).push(relative);
  }
  listing.files.sort();
  listing.others.sort();
  return listing;
}

/** Why Cairn would refuse this path for a document (an extension, a character, a name), or null. */
function pathRefusal(file: string): string | null {
  try {
    validateDocumentPath(file);
    return null;
  } catch (error) {
    if (error instanceof InvalidPathError) return error.reason;
    throw error;
  }
}

/** A directory of JSON/YAML files as one commit (applyChanges); with prune, documents absent from it are deleted. */
export async function importDirectory(
  client: HttpClient,
  namespace: string,
  dir: string,
  options: { comment: string | null; prune: boolean },
): Promise<DirectoryImport> {
  const { files, others } = await walk(dir);
  const skipped = others.map((p) => ({ path: p, reason: 'not a regular file' }));
  const changes: { path: string; text?: string; delete?: boolean }[] = [];
  for (const file of files) {
    const refusal = pathRefusal(file);
    if (refusal !== null) {
      skipped.push({ path: file, reason: refusal });
      continue;
    }
    try {
      changes.push({ path: file, text: strictUtf8.decode(await readFile(path.join(dir, file))) });
    } catch (error) {
      if (error instanceof TypeError) skipped.push({ path: file, reason: 'not valid UTF-8' });
      else throw new CliError(`cannot read '${file}': ${(error as Error).message}`, ExitCode.unexpected, 'Unexpected');
    }
  }
  const state = await namespaceForImport(client, namespace);
  const present = new Set(changes.map((c) => c.path));
  const deleted = options.prune ? state.paths.filter((p) => !present.has(p)) : [];
  changes.push(...deleted.map((p) => ({ path: p, delete: true })));
  if (changes.length === 0) return { payload: null, documents: 0, deleted, skipped };
  const input = { namespace, changes, expectedVersion: state.head, comment: options.comment };
  const data = await client.request<{ applyChanges: { __typename: string } }>(APPLY_CHANGES, { input });
  return { payload: unwrap<WritePayload>(data.applyChanges, 'WritePayload'), documents: present.size, deleted, skipped };
}
