import { type RestoreReport, restoreBackup } from '../services/restore.js';

/**
 * `cairn restore`: the server's side of a backup, run where the server runs, on its data directory, with no server
 * started (the CLI reaches it here as `cairn serve` reaches main.ts). A server started on the directory afterwards
 * rebuilds its caches (the commit index) from Git.
 */
export function restoreDataDir(backupDir: string, dataDir: string): Promise<RestoreReport> {
  return restoreBackup(backupDir, dataDir);
}
