import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fixed identity, whatever the machine's global config says (as the harness's `git`). */
const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Git CLI', GIT_AUTHOR_EMAIL: 'cli@example.com', GIT_COMMITTER_NAME: 'Git CLI', GIT_COMMITTER_EMAIL: 'cli@example.com' };

// Printed after each command's output, with its exit status: no git output holds this line.
const DONE = '--cairn-git-shell-done--';

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * The git CLI through one long-lived shell. Each child Node spawns costs the spawning process time of its own, the
 * more the larger its heap (7.5 ms of CPU a `git show-ref` from a 300 MB process here, and `execFileSync` blocks
 * the server under test meanwhile); the shell forks a small process instead. Commands run one after the other, in
 * the order asked; each sees the repository as it is when it starts, as a `git` run by `execFileSync` would.
 */
export class GitShell {
  private readonly shell: ChildProcessWithoutNullStreams;
  private readonly scratch = mkdtempSync(path.join(tmpdir(), 'cairn-git-shell-'));
  private readonly waiting: { settle: (answer: { status: number; stdout: string }) => void; fail: (error: Error) => void }[] = [];
  private asked = 0;
  private received = Buffer.alloc(0);
  private exited: Error | undefined;

  constructor() {
    this.shell = spawn('sh', [], { stdio: 'pipe', env: { ...process.env, ...GIT_IDENTITY } });
    this.shell.stdout.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.drain();
    });
    this.shell.once('close', (code, signal) => {
      this.exited = new Error(`the git shell exited (${code ?? signal})`);
      for (const waiter of this.waiting.splice(0)) waiter.fail(this.exited);
    });
  }

  /** What `git <args>` prints; rejects with git's stderr when it exits with another status than 0, as execFileSync throws. */
  async git(...args: string[]): Promise<string> {
    const { status, stdout, stderr } = await this.run(args);
    if (status !== 0) throw new Error(`git ${args.join(' ')} exited with ${status}: ${stderr}`);
    return stdout;
  }

  /** Whether `git <args>` exits with status 0 (for questions git answers by its status, such as `cat-file -e`). */
  async succeeds(...args: string[]): Promise<boolean> {
    return (await this.run(args)).status === 0;
  }

  close(): Promise<void> {
    const closed = this.exited ? Promise.resolve() : new Promise<void>((resolve) => this.shell.once('close', () => resolve()));
    this.shell.stdin.end();
    return closed.finally(() => rmSync(this.scratch, { recursive: true, force: true }));
  }

  private async run(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    if (this.exited) throw this.exited;
    this.asked += 1;
    const stderrFile = path.join(this.scratch, `stderr-${this.asked}`);
    // git reads nothing from the shell's input (that holds the commands still to come); its stderr is kept for a failure.
    const command = `git ${args.map(quote).join(' ')} </dev/null 2>${quote(stderrFile)}; printf '\\n${DONE} %d\\n' $?\n`;
    const { status, stdout } = await new Promise<{ status: number; stdout: string }>((settle, fail) => {
      this.waiting.push({ settle, fail });
      this.shell.stdin.write(command);
    });
    const stderr = readFileSync(stderrFile, 'utf8');
    rmSync(stderrFile);
    return { status, stdout, stderr };
  }

  private drain(): void {
    const marker = Buffer.from(`\n${DONE} `);
    for (let waiter = this.waiting[0]; waiter; waiter = this.waiting[0]) {
      const at = this.received.indexOf(marker);
      const end = at < 0 ? -1 : this.received.indexOf(0x0a, at + marker.length);
      if (end < 0) return;
      const stdout = this.received.subarray(0, at).toString('utf8');
      const status = Number(this.received.subarray(at + marker.length, end).toString('utf8'));
      this.received = this.received.subarray(end + 1);
      this.waiting.shift();
      waiter.settle({ status, stdout });
    }
  }
}
