import { randomBytes } from 'node:crypto';
import { closeSync, fsync, open, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Atomic file replacement: readers see the old file or the new one, never a torn one. With `fsync` the data and
 * the directory entry reach the disk before we return, so an acknowledged write survives power loss too.
 *
 * The small steps (write, close, rename of a few hundred bytes in the page cache) are synchronous: each takes
 * microseconds, where a trip through libuv's thread pool costs a tenth of a millisecond, and a commit is a chain
 * of them. Creating a file and fsync, which wait for the file system, run on the thread pool.
 */
export interface DurabilityOptions {
  /** fsync file and directory before returning. @default true */
  readonly fsync: boolean;
  /**
   * Called before each step of a write; throwing makes that step fail as the file system would (ENOSPC, EIO).
   * The seam the fault-injection tests use; absent in production.
   */
  readonly faults?: FaultHook;
}

export type FileStep = 'create' | 'write' | 'fsync' | 'rename';
export type FaultHook = (step: FileStep, file: string) => void;

const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);

export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `tmp_${path.basename(target)}_${randomBytes(6).toString('hex')}`);
}

export async function fsyncDirectory(dir: string, faults?: FaultHook): Promise<void> {
  faults?.('fsync', dir);
  const fd = openSync(dir, 'r');
  try {
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
}

/** One write(2) of at most `length` bytes of `data` from `offset`: how many it wrote. */
export type WriteStep = (fd: number, data: Uint8Array, offset: number, length: number) => number;

/**
 * All of `data`, however many writes it takes: one write(2) may write less than asked (Linux stops at 2 GiB less a
 * page, so a pack that large was cut short without an error).
 */
export function writeFully(fd: number, data: Uint8Array, write: WriteStep = writeSync): void {
  for (let offset = 0; offset < data.length;) {
    const written = write(fd, data, offset, data.length - offset);
    if (written <= 0) throw new Error(`write made no progress at byte ${offset} of ${data.length}`);
    offset += written;
  }
}

/**
 * Writes `data` to a new file at `file` (failing if it exists) and, with `sync`, waits until it is on disk. On any
 * failure the file is removed again: a half-written lock or temp file must not outlive the write that made it.
 */
export async function writeNewFile(file: string, data: Uint8Array | string, sync: boolean, mode = 0o444, faults?: FaultHook): Promise<void> {
  faults?.('create', file);
  // Creating a file is the slow step (~0.3 ms here): on the thread pool, several objects are created at once.
  const fd = await openAsync(file, 'wx', mode);
  try {
    faults?.('write', file);
    writeFully(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (sync) {
      faults?.('fsync', file);
      await fsyncAsync(fd);
    }
  } catch (error) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw error;
  }
  closeSync(fd);
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
  await writeNewFile(tempPath, data, options.fsync, 0o444, options.faults);
  try {
    options.faults?.('rename', target);
    renameSync(tempPath, target);
  } catch (error) {
    rmSync(tempPath, { force: true });
    throw error;
  }
  if (options.fsync && syncDirectory) await fsyncDirectory(path.dirname(target), options.faults);
}
