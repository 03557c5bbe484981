import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * Atomic file replacement: readers see the old file or the new one, never a torn one. With `fsync` the data and
 * the directory entry reach the disk before we return, so an acknowledged write survives power loss too.
 */
export interface DurabilityOptions {
  /** fsync file and directory before returning. @default true */
  readonly fsync: boolean;
}

export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `tmp_${path.basename(target)}_${randomBytes(6).toString('hex')}`);
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to `tempPath` (which must not exist), optionally syncing it, and renames it onto `target`.
 * `syncDirectory: false` leaves the directory's fsync to the caller, who may batch several renames into one.
 */
export async function writeThenRename(
  tempPath: string,
  target: string,
  data: Uint8Array | string,
  options: DurabilityOptions,
  syncDirectory = true,
): Promise<void> {
  const handle = await fsp.open(tempPath, 'wx', 0o444);
  try {
    await handle.writeFile(data);
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.rename(tempPath, target);
  } catch (error) {
    await fsp.rm(tempPath, { force: true });
    throw error;
  }
  if (options.fsync && syncDirectory) await fsyncDirectory(path.dirname(target));
}
