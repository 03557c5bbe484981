import fs, { promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import git from 'isomorphic-git';
import { fsyncDirectory } from './durable-file.js';

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
