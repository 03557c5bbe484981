import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Signature } from './object-format.js';
import type { StoredCommit } from './object-store.js';
import type { PathChange, PathStatus } from './tree-diff.js';

/** What the index keeps per commit; everything else is derived from it. */
export interface CommitRecord {
  readonly commit: StoredCommit;
  readonly changes: readonly PathChange[];
}

const HEADER = '{"cairnCommitIndex":1}';
const STATUS_CODES: Record<PathStatus, number> = { added: 0, modified: 1, deleted: 2 };
const STATUSES: readonly PathStatus[] = ['added', 'modified', 'deleted'];

type Sig = [string, string, number, number];
type Line = [string, string[], string, Sig, Sig, string, [string, number, string | null, string | null][]];

/**
 * The commit index on disk: `<gitdir>/cairn/commits.jsonl`, one line per commit of main in order, appended as
 * commits land, so a restart reads it instead of walking Git. It is a cache: a missing, stale or damaged file only
 * costs a rebuild from Git. Lines are checked to chain (each one's first parent is the line before), so a torn
 * or reordered tail is dropped rather than trusted.
 */
export class IndexFile {
  private readonly file: string;
  private queue: Promise<void> = Promise.resolve();
  private exists = false;

  constructor(gitdir: string) {
    this.file = path.join(gitdir, 'cairn', 'commits.jsonl');
  }

  /**
   * Hands each record that chains from the root to `accept`, in order, one at a time (so a 100k-commit file is
   * never decoded all at once). Returns true when anything after them had to be ignored (damaged).
   */
  async load(accept: (line: string, record: CommitRecord) => void): Promise<{ damaged: boolean }> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch {
      return { damaged: false };
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (lines[0] !== HEADER) return { damaged: true };
    let previous: string | null = null;
    for (let i = 1; i < lines.length; i += 1) {
      const line = lines[i] ?? '';
      const record = decodeRecord(line);
      if (!record || (record.commit.parents[0] ?? null) !== previous) return { damaged: true };
      accept(line, record);
      previous = record.commit.oid;
    }
    return { damaged: false };
  }

  /** Appends in call order; a failure is only logged by the caller, since the file can always be rebuilt. */
  append(lines: readonly string[]): Promise<void> {
    const text = lines.map((l) => `${l}\n`).join('');
    return this.enqueue(async () => {
      if (!this.exists) {
        await fsp.mkdir(path.dirname(this.file), { recursive: true });
        this.exists = await fsp.access(this.file).then(
          () => true,
          () => false,
        );
        if (!this.exists) await fsp.appendFile(this.file, `${HEADER}\n`);
        this.exists = true;
      }
      await fsp.appendFile(this.file, text);
    });
  }

  /** Replaces the whole file (after a rebuild or a damaged tail), atomically. */
  rewrite(lines: readonly string[]): Promise<void> {
    return this.enqueue(async () => {
      await fsp.mkdir(path.dirname(this.file), { recursive: true });
      const temp = `${this.file}.tmp-${process.pid}`;
      const handle = await fsp.open(temp, 'w');
      try {
        await handle.write(`${HEADER}\n`);
        const CHUNK = 5000;
        for (let i = 0; i < lines.length; i += CHUNK) {
          await handle.write(
            lines
              .slice(i, i + CHUNK)
              .map((l) => `${l}\n`)
              .join(''),
          );
        }
      } finally {
        await handle.close();
      }
      await fsp.rename(temp, this.file);
      this.exists = true;
    });
  }

  /** Resolves when every write queued so far is done. */
  flushed(): Promise<void> {
    return this.queue;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function sig(s: Signature): Sig {
  return [s.name, s.email, s.timestamp, s.timezoneOffset];
}

function unsig(s: Sig): Signature {
  return { name: s[0], email: s[1], timestamp: s[2], timezoneOffset: s[3] };
}

export function encodeRecord({ commit, changes }: CommitRecord): string {
  const line: Line = [
    commit.oid,
    [...commit.parents],
    commit.tree,
    sig(commit.author),
    sig(commit.committer),
    commit.message,
    changes.map((c) => [c.path, STATUS_CODES[c.status], c.oldOid, c.newOid]),
  ];
  return JSON.stringify(line);
}

export function decodeRecord(text: string): CommitRecord | null {
  if (!text) return null;
  try {
    const [oid, parents, tree, author, committer, message, changes] = JSON.parse(text) as Line;
    return {
      commit: { oid, parents, tree, author: unsig(author), committer: unsig(committer), message },
      changes: changes.map(([p, s, oldOid, newOid]) => ({ path: p, status: STATUSES[s] ?? 'modified', oldOid, newOid })),
    };
  } catch {
    return null;
  }
}
