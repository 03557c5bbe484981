import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';

const run = promisify(execFile);
const MAX_BUFFER = 1 << 28;

/**
 * Checks bundles with the git CLI, as a restore will read them: `git bundle verify` (the pack is whole and complete)
 * needs a repository to run in, so an empty scratch one is made once and removed by `close`.
 */
export class BundleCheck {
  private constructor(private readonly scratch: string) {}

  static async open(): Promise<BundleCheck> {
    const scratch = await mkdtemp(path.join(tmpdir(), 'cairn-bundle-check-'));
    try {
      await git(['init', '-q', '--bare', scratch]);
    } catch (error) {
      await rm(scratch, { recursive: true, force: true });
      throw error;
    }
    return new BundleCheck(scratch);
  }

  /** Verifies the bundle, then answers the refs its header names: ref name → object id. */
  async refsOf(file: string, name: string): Promise<Record<string, string>> {
    try {
      await git(['--git-dir', this.scratch, 'bundle', 'verify', '-q', file]);
    } catch (error) {
      throw new CliError(`the bundle of ${name} does not verify: ${(error as Error).message}`, ExitCode.unexpected, 'BundleInvalid', { repository: name });
    }
    const refs: Record<string, string> = {};
    for (const line of (await git(['bundle', 'list-heads', file])).split('\n')) {
      const match = /^([0-9a-f]{40}) (\S+)$/.exec(line);
      if (match) refs[match[2]!] = match[1]!;
    }
    return refs;
  }

  close(): Promise<void> {
    return rm(this.scratch, { recursive: true, force: true });
  }
}

async function git(args: readonly string[]): Promise<string> {
  try {
    return (await run('git', args, { encoding: 'utf8', maxBuffer: MAX_BUFFER })).stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError('cairn backup needs the git command (not found on PATH)', ExitCode.unexpected, 'GitMissing');
    throw error;
  }
}
