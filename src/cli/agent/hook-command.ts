import { spawn } from 'node:child_process';

/** What a command (--exec, --check) came to. */
export interface CommandResult {
  /** Its exit status; null when it was killed (timeout, signal). */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** The last TAIL_BYTES of what it wrote to stdout and stderr together. */
  readonly tail: string;
}

/** Enough of a failing command's output to say why, small enough for a report (at most 16 KB whole). */
const TAIL_BYTES = 2048;

/** The agent's own credentials: a command's output tail is reported to Cairn, where every viewer reads it. */
const WITHHELD = ['CAIRN_TOKEN'];

/**
 * Runs `command` with `sh -c` (as consul-template and confd run theirs), with `env` added to the agent's
 * environment (its token withheld), killing it (and its process group) after `timeoutMs`. It is done when it exits:
 * a daemon it started may keep its output open.
 */
export function runCommand(command: string, env: Record<string, string>, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !WITHHELD.includes(name)));
    const child = spawn('sh', ['-c', command], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = Buffer.alloc(0);
    const keep = (chunk: Buffer): void => {
      output = Buffer.concat([output, chunk]);
      if (output.length > TAIL_BYTES) output = output.subarray(output.length - TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ exitCode: null, timedOut: false, tail: error.message });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      // What it wrote just before exiting may still be in the pipe: read for a moment more, not until a daemon closes it.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ exitCode: code, timedOut, tail: output.toString('utf8') });
      }, 20);
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** "--check exited 3: <tail>" for a report's message. */
export function describeFailure(flag: string, result: CommandResult): string {
  const how = result.timedOut ? 'timed out' : result.exitCode === null ? 'could not run' : `exited ${result.exitCode}`;
  const tail = result.tail.trim();
  return `${flag} ${how}${tail ? `: ${tail}` : ''}`;
}
