import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/** One path a diff names, with git's status letter (A, M, D, T). */
export interface GitChange {
  readonly status: string;
  readonly path: string;
}

/** A commit as `git log -1` shows it: its parents, the values of the trailers asked for (one list per key), its diff. */
export interface GitCommitSummary {
  readonly parents: string[];
  readonly trailers: string[][];
  /** Against its first parent; everything added for a root commit. */
  readonly changes: GitChange[];
}

// diff-tree echoes a line that names no object and flushes: that line marks the end of the answer before it.
const SYNC = '--cairn-diff-tree-sync--';

/**
 * One long-lived `git diff-tree --stdin -r -z --no-renames --name-status`: what `git log -1` and `git diff` say about
 * commits and trees, for many questions without a process each. Two commits on one line would graft the second onto
 * the first as its parent in this process's memory, so diffs between any two versions go between their trees.
 */
export class GitDiffTree {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { settle: (answer: string) => void; fail: (error: Error) => void }[] = [];
  private received = '';
  private exited: Error | undefined;

  constructor(gitDir: string, trailerKeys: readonly string[]) {
    // %x01 parents %x02 trailer values ... %x03: no such byte in a hash, and none in the trailer values Cairn writes.
    const format = `%x01%P${trailerKeys.map((key) => `%x02%(trailers:key=${key},valueonly)`).join('')}%x03`;
    const args = ['--git-dir', gitDir, 'diff-tree', '--stdin', '-r', '-z', '--no-renames', '--name-status', '--root', '--always', `--format=${format}`];
    this.child = spawn('git', args, { stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.received += chunk;
      this.drain();
    });
    this.child.once('close', (code, signal) => {
      this.exited = new Error(`git diff-tree --stdin exited (${code ?? signal})`);
      for (const waiter of this.waiting.splice(0)) waiter.fail(this.exited);
    });
  }

  /** The commit `oid` (a full id), as `git log -1 --format=%P...` and `git diff-tree --root` show it. */
  async commit(oid: string): Promise<GitCommitSummary> {
    const answer = await this.ask(oid);
    const end = answer.indexOf('\x03');
    if (!answer.startsWith('\x01') || end < 0) throw new Error(`git diff-tree: no commit header for ${oid}: ${JSON.stringify(answer.slice(0, 200))}`);
    const [parents = '', ...trailers] = answer.slice(1, end).split('\x02');
    return {
      parents: parents.split(' ').filter(Boolean),
      trailers: trailers.map((values) => values.split('\n').filter((line) => line.trim())),
      // The header ends with -z's NUL, and a newline parts it from a diff that follows.
      changes: parseChanges(answer.slice(end + 2).replace(/^\n/, '')),
    };
  }

  /** What changed from tree `from` to tree `to` (full tree ids), as `git diff --no-renames --name-status` says. */
  async trees(from: string, to: string): Promise<GitChange[]> {
    const answer = await this.ask(`${from} ${to}`);
    const named = `${from} ${to}\n`;
    return parseChanges(answer.startsWith(named) ? answer.slice(named.length) : answer);
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    return exited;
  }

  private ask(line: string): Promise<string> {
    if (!/^[0-9a-f]{40}( [0-9a-f]{40})?$/.test(line)) throw new Error(`git diff-tree --stdin takes full object ids: ${JSON.stringify(line)}`);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((settle, fail) => {
      this.waiting.push({ settle, fail });
      this.child.stdin.write(`${line}\n${SYNC}\n`);
    });
  }

  /** Each answer ends where the echoed sync line starts a line or follows a NUL (paths hold neither NUL nor newline). */
  private drain(): void {
    for (let waiter = this.waiting[0]; waiter; waiter = this.waiting[0]) {
      const end = findSync(this.received);
      if (end < 0) return;
      const answer = this.received.slice(0, end);
      this.received = this.received.slice(end + SYNC.length + 1);
      this.waiting.shift();
      waiter.settle(answer);
    }
  }
}

function findSync(text: string): number {
  for (let at = text.indexOf(`${SYNC}\n`); at >= 0; at = text.indexOf(`${SYNC}\n`, at + 1)) {
    if (at === 0 || text[at - 1] === '\0' || text[at - 1] === '\n') return at;
  }
  return -1;
}

/** `-z --name-status` records: a status, NUL, a path, NUL. */
function parseChanges(records: string): GitChange[] {
  const fields = records.split('\0');
  const changes: GitChange[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) changes.push({ status: fields[i]!, path: fields[i + 1]! });
  return changes;
}
