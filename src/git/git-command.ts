import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitCommandOptions {
  readonly timeoutMs: number;
}

/**
 * Runs the git CLI so that it dies with the server. A child outlives a SIGKILL of its parent: a `git repack -d`
 * left running would go on deleting the packs it folded while a restarted server, or an operator's `git fsck`,
 * reads them. Linux's parent-death signal (set by util-linux's `setpriv`, present on every Debian) closes that gap;
 * where it is missing, git runs plain and the gap stays.
 */
export async function runGit(args: readonly string[], options: GitCommandOptions): Promise<string> {
  const prefix = dieWithParent();
  const [file, ...rest] = [...prefix, 'git', ...args];
  const { stdout } = await run(file!, rest, { timeout: options.timeoutMs, encoding: 'utf8' });
  return stdout;
}

/** The git CLI as a child whose stdin and stdout are streams (a pack written as it is made), dying with the server as `runGit`'s does. */
export function spawnGit(args: readonly string[]): ChildProcessWithoutNullStreams {
  const [file, ...rest] = [...dieWithParent(), 'git', ...args];
  return spawn(file!, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
}

let prefixFound: readonly string[] | undefined;

function dieWithParent(): readonly string[] {
  prefixFound ??= process.platform === 'linux' && onPath('setpriv') ? ['setpriv', '--pdeathsig', 'KILL', '--'] : [];
  return prefixFound;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
