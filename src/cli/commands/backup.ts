import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { type BackedUpRepository, type BackupManifest, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, bundleFileOf } from '../../domain/backup-manifest.js';
import { backupRepositories, downloadBundle } from '../backup-download.js';
import { BundleCheck } from '../bundle-check.js';
import { contextOf } from '../context.js';
import { usageError } from '../errors.js';
import { startProgress } from '../progress.js';

/** Files already there could be taken for part of the backup, or be overwritten by it. */
async function ensureEmptyDirectory(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw usageError(`cannot use '${dir}' as the backup directory: ${error.code ?? error.message}`);
  });
  if (entries.length > 0) throw usageError(`'${dir}' is not empty; back up into a new or empty directory`);
  await mkdir(path.join(dir, 'namespaces'), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw usageError(`cannot use '${dir}' as the backup directory: ${error.code ?? error.message}`);
  });
}

/** The manifest last, by rename: a backup directory with a manifest is a whole backup. */
async function writeManifest(dir: string, manifest: BackupManifest): Promise<void> {
  const file = path.join(dir, MANIFEST_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  await rename(`${file}.tmp`, file);
}

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description('back up a running server: every namespace and the system repository as verified Git bundles, with a manifest (needs admin of *)')
    .argument('<dir>', 'a new or empty directory')
    .action(async (dir: string, _options: unknown, command: Command) => {
      const { connection, out } = contextOf(command);
      const createdAt = new Date().toISOString();
      const names = await backupRepositories(connection);
      await ensureEmptyDirectory(dir);
      const check = await BundleCheck.open();
      const progress = await startProgress('backing up', names.length, { json: out.json });
      const repositories: BackedUpRepository[] = [];
      try {
        for (const name of names) {
          const bundle = bundleFileOf(name);
          const file = path.join(dir, bundle);
          const { sha256, bytes } = await downloadBundle(connection, name, file);
          repositories.push({ name, bundle, sha256, bytes, refs: await check.refsOf(file, name) });
          progress.advance(1);
        }
      } finally {
        progress.stop();
        await check.close();
      }
      await writeManifest(dir, { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, createdAt, source: connection.url, repositories });
      const refs = repositories.reduce((sum, r) => sum + Object.keys(r.refs).length, 0);
      const bytes = repositories.reduce((sum, r) => sum + r.bytes, 0);
      if (out.json) out.data({ dir, manifest: path.join(dir, MANIFEST_FILE), repositories: repositories.length, refs, bytes });
      else out.line(`backed up ${repositories.length} repositor${repositories.length === 1 ? 'y' : 'ies'} (${refs} refs, ${bytes} bytes) to ${dir}`);
    });
}
