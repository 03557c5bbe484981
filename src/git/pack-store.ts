import fs, { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import git from 'isomorphic-git';
import { type DurabilityOptions, fsyncDirectory, writeNewFile } from './durable-file.js';

/** Staging directories under objects/pack: packs being indexed, never read, removed if a crash leaves them. */
export const INCOMING_PREFIX = 'incoming-';

/**
 * Adds a pack received from a remote to the repository. It is indexed (isomorphic-git's indexPack, which checks
 * every object's hash) in a staging directory, then the index and the pack are renamed into objects/pack, index
 * first: readers list the .pack files, so a pack appears only once it can be read.
 */
export async function storePack(gitdir: string, pack: Buffer, fsync: boolean): Promise<void> {
  const packDir = path.join(gitdir, 'objects', 'pack');
  const staging = path.join(packDir, `${INCOMING_PREFIX}${randomBytes(6).toString('hex')}`);
  const name = `pack-${pack.subarray(pack.length - 20).toString('hex')}`;
  await fsp.mkdir(staging, { recursive: true });
  try {
    const stagedPack = path.join(staging, `${name}.pack`);
    await fsp.writeFile(stagedPack, pack);
    await git.indexPack({ fs, dir: gitdir, gitdir, filepath: path.relative(gitdir, stagedPack) });
    if (fsync) await Promise.all([syncFile(stagedPack), syncFile(path.join(staging, `${name}.idx`))]);
    await fsp.rename(path.join(staging, `${name}.idx`), path.join(packDir, `${name}.idx`));
    await fsp.rename(stagedPack, path.join(packDir, `${name}.pack`));
    if (fsync) await fsyncDirectory(packDir);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Stores a pack Cairn encoded itself, with its index (a batch of commits' objects): both files are written and
 * fsynced in a staging directory at once, renamed into objects/pack index first, and the directory is fsynced: one
 * round of fsyncs for the whole batch. Returns the .pack's path.
 */
export async function storeIndexedPack(gitdir: string, encoded: { pack: Buffer; index: Buffer; name: string }, durability: DurabilityOptions): Promise<string> {
  const packDir = path.join(gitdir, 'objects', 'pack');
  const staging = path.join(packDir, `${INCOMING_PREFIX}${randomBytes(6).toString('hex')}`);
  const name = `pack-${encoded.name}`;
  await fsp.mkdir(staging, { recursive: true });
  try {
    const staged = (ext: string): string => path.join(staging, `${name}${ext}`);
    await Promise.all([
      writeNewFile(staged('.pack'), encoded.pack, durability.fsync, 0o444, durability.faults),
      writeNewFile(staged('.idx'), encoded.index, durability.fsync, 0o444, durability.faults),
    ]);
    const final = (ext: string): string => path.join(packDir, `${name}${ext}`);
    durability.faults?.('rename', final('.idx'));
    await fsp.rename(staged('.idx'), final('.idx'));
    try {
      durability.faults?.('rename', final('.pack'));
      await fsp.rename(staged('.pack'), final('.pack'));
    } catch (error) {
      await fsp.rm(final('.idx'), { force: true });
      throw error;
    }
    if (durability.fsync) await fsyncDirectory(packDir, durability.faults);
    return final('.pack');
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}
