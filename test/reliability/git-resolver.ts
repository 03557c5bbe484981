import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/**
 * One long-lived `git cat-file --batch-check`: names the object a ref or revision names, as git resolves it, for
 * many questions without a process each (a process costs a test about 10 ms here). Git reads a ref afresh on every
 * lookup (its files backend reads the loose ref, and re-reads packed-refs when it changed), so an answer is as
 * current as `git rev-parse` would give at that moment.
 */
export class GitResolver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private received = '';

  constructor(gitDir: string) {
    this.child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch-check=%(objectname)'], { stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.received += chunk;
      for (let end = this.received.indexOf('\n'); end >= 0; end = this.received.indexOf('\n')) {
        const line = this.received.slice(0, end);
        this.received = this.received.slice(end + 1);
        this.waiting.shift()?.(line);
      }
    });
  }

  /** The object id `name` names, or null when git finds nothing by that name. */
  resolve(name: string): Promise<string | null> {
    if (/\s/.test(name)) throw new Error(`a name with white space cannot be asked on one line: ${JSON.stringify(name)}`);
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(/^[0-9a-f]{40}$/.test(line) ? line : null));
      this.child.stdin.write(`${name}\n`);
    });
  }

  close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    return exited;
  }
}
