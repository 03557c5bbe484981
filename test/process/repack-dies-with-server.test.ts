import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'vitest';

const HOUSEKEEPING = path.resolve(import.meta.dirname, '../../src/git/housekeeping.ts');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Processes whose command line names `needle`, read from /proc. */
function processesNaming(needle: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) found.push(Number(pid));
    } catch {
      // The process ended while the list was read.
    }
  }
  return found;
}

/** A repository whose `git repack -d` takes seconds: one commit of many loose, incompressible blobs. */
function slowToRepack(root: string): string {
  const work = path.join(root, 'work');
  mkdirSync(work);
  for (let i = 0; i < 500; i += 1) writeFileSync(path.join(work, `f${i}`), randomBytes(48 * 1024));
  const gitdir = path.join(root, 'slow.git');
  const git = (...args: string[]): void => void execFileSync('git', ['--git-dir', gitdir, '--work-tree', work, ...args]);
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  git('add', '-A');
  git('-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-q', '-m', 'many blobs');
  return gitdir;
}

/**
 * A `git repack` Cairn starts (housekeeping.ts) must not outlive the server: left running after a kill -9, it went on
 * deleting the packs it folded while `git fsck` and the restarted server read them (group commit's crash run).
 */
describe('git run by the server', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it.runIf(process.platform === 'linux')(
    'a repack dies with the server that started it (kill -9)',
    async () => {
      root = mkdtempSync(path.join(tmpdir(), 'cairn-repack-orphan-'));
      const gitdir = slowToRepack(root);
      const script = `const { repack } = await import(${JSON.stringify(HOUSEKEEPING)}); await repack(${JSON.stringify(gitdir)});`;
      const server = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'ignore' });
      const exited = new Promise((resolve) => server.once('exit', resolve));
      const needle = `${gitdir}\0repack`;
      for (let waited = 0; processesNaming(needle).length === 0; waited += 10) {
        if (waited > 20_000) throw new Error('git repack never started');
        await sleep(10);
      }
      server.kill('SIGKILL');
      await exited;
      // Left running, it would delete the packs it folds under whoever reads them next; the whole repack takes seconds.
      for (let waited = 0; processesNaming(needle).length > 0; waited += 10) {
        if (waited > 1_000) throw new Error(`git repack outlived its server: ${processesNaming(needle).join(', ')}`);
        await sleep(10);
      }
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict'], { stdio: 'pipe' });
    },
    30_000,
  );
});
