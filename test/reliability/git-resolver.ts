import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

const HEADER = /^([0-9a-f]{40}) ([a-z]+) (\d+)$/;

interface Waiter {
  readonly contents: boolean;
  readonly settle: (found: { oid: string; type: string; body: Buffer | null } | null) => void;
  readonly fail: (error: Error) => void;
}

/**
 * One long-lived `git cat-file --batch-command`: names the object a ref or revision names, and reads blobs, as git
 * does, for many questions without a process each (a process costs a test about 10 ms here, far more on a loaded
 * machine). Git reads a ref afresh on every lookup (its files backend reads the loose ref, and re-reads packed-refs
 * when it changed) and opens a full object id's loose file afresh, so an answer is as current as `git rev-parse` or
 * `git cat-file` would give at that moment. Abbreviated ids are the exception: git caches the loose object names it
 * listed, so a prefix may miss an object written since; ask `git rev-parse` for those.
 */
export class GitResolver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Waiter[] = [];
  private received: Buffer = Buffer.alloc(0);
  private exited: Error | undefined;

  constructor(gitDir: string) {
    this.child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch-command=%(objectname) %(objecttype) %(objectsize)'], { stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
      this.drain();
    });
    this.child.once('close', (code, signal) => {
      this.exited = new Error(`git cat-file --batch-command exited (${code ?? signal})`);
      for (const waiter of this.waiting.splice(0)) waiter.fail(this.exited);
    });
  }

  /** The object id `name` names, or null when git finds nothing by that name. */
  async resolve(name: string): Promise<string | null> {
    return (await this.ask('info', name))?.oid ?? null;
  }

  /** The content of each blob named (`<rev>:<path>`), in order; null where git finds nothing by that name or no blob. */
  async blobs(names: readonly string[]): Promise<(Buffer | null)[]> {
    const found = await Promise.all(names.map((name) => this.ask('contents', name)));
    return found.map((object) => (object?.type === 'blob' ? object.body : null));
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    return exited;
  }

  private ask(command: 'info' | 'contents', name: string): Promise<{ oid: string; type: string; body: Buffer | null } | null> {
    // One question a line: a name git would cut short at a line end cannot be asked.
    if (/[\n\r\0]/.test(name)) throw new Error(`a name with a line break cannot be asked on one line: ${JSON.stringify(name)}`);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((settle, fail) => {
      this.waiting.push({ contents: command === 'contents', settle, fail });
      this.child.stdin.write(`${command} ${name}\n`);
    });
  }

  /** Answers every waiter whose whole answer has arrived: a header line, and for contents the object and a newline. */
  private drain(): void {
    for (let waiter = this.waiting[0]; waiter; waiter = this.waiting[0]) {
      const newline = this.received.indexOf(0x0a);
      if (newline < 0) return;
      const header = HEADER.exec(this.received.subarray(0, newline).toString('utf8'));
      let end = newline + 1;
      let body: Buffer | null = null;
      if (header && waiter.contents) {
        end += Number(header[3]) + 1;
        if (this.received.length < end) return;
        body = Buffer.from(this.received.subarray(newline + 1, end - 1));
      }
      this.received = this.received.subarray(end);
      this.waiting.shift();
      waiter.settle(header ? { oid: header[1]!, type: header[2]!, body } : null);
    }
  }
}
