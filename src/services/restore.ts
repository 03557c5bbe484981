import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { type BackedUpRepository, type BackupManifest, MANIFEST_FILE, SYSTEM_REPOSITORY_NAME, parseBackupManifest } from '../domain/backup-manifest.js';
import { InvalidInputError } from '../domain/errors.js';
import { BackupDamagedError, DataDirNotEmptyError } from '../domain/restore-errors.js';
import { bundleRefs } from '../git/repository-bundle.js';
import { RepositoryStore, SYSTEM_REPOSITORY } from '../git/repository-store.js';

export interface RestoreReport {
  readonly manifest: BackupManifest;
  readonly dataDir: string;
}

/**
 * Restores a backup (`cairn backup`) into `dataDir`, which must be empty or not exist. Every bundle is checked
 * against the manifest first (its SHA-256, and the refs its header names), so a damaged backup writes nothing;
 * then each repository is rebuilt in a temp directory beside `dataDir` that becomes `dataDir` by one rename once all
 * are in: a failure half way leaves no half-restored data directory behind. Caches (the commit index) are not in
 * a backup: a server started on the restored directory rebuilds them from Git.
 */
export async function restoreBackup(backupDir: string, dataDir: string): Promise<RestoreReport> {
  const target = path.resolve(dataDir);
  await ensureEmpty(target);
  const manifest = parseBackupManifest(await readManifest(backupDir));
  for (const repository of manifest.repositories) await checkBundle(backupDir, repository);
  const parent = path.dirname(target);
  await fsp.mkdir(parent, { recursive: true });
  const staging = path.join(parent, `.${path.basename(target)}.restoring-${randomUUID()}`);
  try {
    const store = new RepositoryStore(staging, { fsync: true });
    await store.init();
    for (const repository of manifest.repositories) {
      await store.restore(storedName(repository.name), path.join(backupDir, repository.bundle), new Map(Object.entries(repository.refs)));
    }
    await ensureEmpty(target);
    await fsp.rmdir(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await fsp.rename(staging, target);
  } catch (error) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw error;
  }
  return { manifest, dataDir: target };
}

function storedName(name: string): string {
  return name === SYSTEM_REPOSITORY_NAME ? SYSTEM_REPOSITORY : name;
}

async function ensureEmpty(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new DataDirNotEmptyError(dir);
    throw error;
  }
  if (entries.length > 0) throw new DataDirNotEmptyError(dir);
}

async function readManifest(backupDir: string): Promise<string> {
  try {
    return await fsp.readFile(path.join(backupDir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InvalidInputError(`${backupDir} has no ${MANIFEST_FILE}: not a backup, or one that did not finish (nothing was written)`);
    throw error;
  }
}

async function checkBundle(backupDir: string, repository: BackedUpRepository): Promise<void> {
  const file = path.join(backupDir, repository.bundle);
  const hash = await sha256Of(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new BackupDamagedError(repository.name, `${repository.bundle} is missing`);
    throw error;
  });
  if (hash !== repository.sha256)
    throw new BackupDamagedError(repository.name, `${repository.bundle} has SHA-256 ${hash}, the manifest says ${repository.sha256}`);
  const named = await bundleRefs(file);
  const expected = Object.entries(repository.refs);
  if (named.size !== expected.length || expected.some(([ref, oid]) => named.get(ref) !== oid)) {
    throw new BackupDamagedError(repository.name, `the refs in ${repository.bundle} are not those of the manifest`);
  }
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
