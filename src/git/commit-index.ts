import { type CommitTrailers, parseCommitMessage } from '../domain/commit-message.js';
import { type CommitRecord, decodeRecord, encodeRecord } from './index-file.js';
import { cacheBudget } from './cache-budget.js';
import type { Signature } from './object-format.js';
import type { ObjectStore, StoredCommit } from './object-store.js';
import { type PathChange, diffTrees } from './tree-diff.js';

/** One commit of main's first-parent history, with what it changed against its first parent. */
export interface IndexedCommit {
  readonly oid: string;
  /** Position in main's first-parent chain: the root is 0. */
  readonly seq: number;
  readonly parents: readonly string[];
  readonly tree: string;
  readonly author: Signature;
  readonly committer: Signature;
  readonly message: string;
  readonly comment: string;
  /** null for commits made outside Cairn (no Cairn-Action trailer). */
  readonly trailers: CommitTrailers | null;
  readonly changes: readonly PathChange[];
}

const BUILD_CONCURRENCY = 16;
/** Rough bytes of a decoded commit beyond its message, and per path it changed. */
const DECODED_BYTES = 600;
const CHANGE_BYTES = 250;

/**
 * Commit metadata of main, in memory, so that history, audit and per-document queries never walk Git.
 * Git stays the source of truth: the index is derived from it and can always be rebuilt.
 *
 * Each commit is kept as its index-file line (one compact string) and decoded on use, with the recently used
 * ones cached: at 100k commits, objects per commit took ~100 MB of heap, the lines take about a third of that.
 * The lookups that must not decode (by hash, request id, path) have maps of their own.
 */
export class CommitIndex {
  private readonly lines: string[] = [];
  private readonly byOid = new Map<string, number>();
  private readonly byRequestId = new Map<string, number>();
  private readonly byPath = new Map<string, number[]>();
  /** Recently decoded commits (a few pages of history, the audit scans between them), in the process's cache budget. */
  private readonly decoded = cacheBudget.view<number, IndexedCommit>((c) => DECODED_BYTES + c.message.length * 2 + c.changes.length * CHANGE_BYTES);
  /**
   * Per sequence number, the earliest committer time (seconds) from there to the head. It never decreases, so
   * "the last commit at or before T" is a binary search even when imported history has times out of order.
   */
  private readonly earliestFrom: number[] = [];
  private readonly times: number[] = [];
  /** Set when a commit older than one before it arrived: earliestFrom is recomputed on the next lookup. */
  private timesOutOfOrder = false;

  get size(): number {
    return this.lines.length;
  }

  head(): IndexedCommit | null {
    return this.at(this.lines.length - 1) ?? null;
  }

  get(oid: string): IndexedCommit | undefined {
    const seq = this.byOid.get(oid);
    return seq === undefined ? undefined : this.at(seq);
  }

  at(seq: number): IndexedCommit | undefined {
    const cached = this.decoded.get(seq);
    if (cached) return cached;
    const line = this.lines[seq];
    const record = line === undefined ? null : decodeRecord(line);
    if (!record) return undefined;
    const indexed = toIndexed(record, seq);
    this.decoded.set(seq, indexed);
    return indexed;
  }

  withRequestId(requestId: string): IndexedCommit | undefined {
    const seq = this.byRequestId.get(requestId);
    return seq === undefined ? undefined : this.at(seq);
  }

  /** Main's commits whose hash starts with `prefix`. */
  matchPrefix(prefix: string): IndexedCommit[] {
    const found: IndexedCommit[] = [];
    for (const [oid, seq] of this.byOid) {
      if (!oid.startsWith(prefix)) continue;
      const commit = this.at(seq);
      if (commit) found.push(commit);
    }
    return found;
  }

  /** Sequence numbers of the commits that changed `path`, oldest first. */
  historyOf(path: string): readonly number[] {
    return this.byPath.get(path) ?? [];
  }

  /** The latest commit at or before `seq` that changed `path`. */
  lastChangeOf(path: string, seq: number): IndexedCommit | undefined {
    const list = this.historyOf(path);
    const found = lastIndexAtOrBefore(list, seq);
    return found < 0 ? undefined : this.at(list[found] ?? -1);
  }

  /**
   * The last commit of main (highest sequence number) whose committer time is at or before `seconds`, as
   * `git rev-list -1 --first-parent --before=<time> main` finds it; undefined when every commit is later.
   */
  lastAtOrBefore(seconds: number): IndexedCommit | undefined {
    if (this.timesOutOfOrder) this.recomputeEarliest();
    let lo = 0;
    let hi = this.earliestFrom.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.earliestFrom[mid] ?? Infinity) <= seconds) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.at(found);
  }

  /** Paths changed by any commit after `seq` up to the head. */
  changedSince(seq: number, paths: Iterable<string>): string[] {
    return [...paths].filter((p) => {
      const list = this.historyOf(p);
      return list.length > 0 && (list.at(-1) ?? -1) > seq;
    });
  }

  /** Adds the next commit of main; a commit already indexed is returned as it is (concurrent catch-ups). */
  append(commit: StoredCommit, changes: readonly PathChange[]): IndexedCommit {
    const existing = this.get(commit.oid);
    if (existing) return existing;
    // Made from what is at hand rather than decoded back from the line just encoded: a commit costs one encoding.
    const seq = this.appendEncoded(encodeRecord({ commit, changes }), { commit, changes });
    const indexed = toIndexed({ commit, changes }, seq);
    this.decoded.set(seq, indexed);
    return indexed;
  }

  /**
   * As `append`, for a record read from the index file with its line (no second encoding), and returning only
   * its sequence number: at start-up 100k of these run back to back, so nothing is decoded that is not needed.
   */
  appendEncoded(line: string, record: CommitRecord): number {
    const existing = this.byOid.get(record.commit.oid);
    if (existing !== undefined) return existing;
    const seq = this.lines.length;
    this.lines.push(line);
    this.byOid.set(record.commit.oid, seq);
    this.recordTime(record.commit.committer.timestamp);
    if (record.commit.message.includes('Cairn-Request-Id')) {
      const requestId = parseCommitMessage(record.commit.message).trailers?.requestId;
      if (requestId && !this.byRequestId.has(requestId)) this.byRequestId.set(requestId, seq);
    }
    for (const change of record.changes) {
      const list = this.byPath.get(change.path);
      if (list) list.push(seq);
      else this.byPath.set(change.path, [seq]);
    }
    return seq;
  }

  /** Cairn's own commits arrive in time order: O(1). Imported history out of order costs one O(n) pass per lookup after it. */
  private recordTime(seconds: number): void {
    if (seconds < (this.earliestFrom.at(-1) ?? -Infinity)) this.timesOutOfOrder = true;
    this.times.push(seconds);
    this.earliestFrom.push(seconds);
  }

  private recomputeEarliest(): void {
    let earliest = Infinity;
    for (let i = this.times.length - 1; i >= 0; i -= 1) {
      earliest = Math.min(earliest, this.times[i] ?? Infinity);
      this.earliestFrom[i] = earliest;
    }
    this.timesOutOfOrder = false;
  }

  /** The index-file lines of the commits from `seq` on. */
  linesFrom(seq = 0): string[] {
    return this.lines.slice(seq);
  }

  /**
   * Brings the index up to `headOid`: appends the commits after the known head, or starts over when the new
   * head does not descend from it (history rewritten outside Cairn).
   */
  async catchUp(objects: ObjectStore, headOid: string | null): Promise<{ appended: IndexedCommit[]; rebuilt: boolean }> {
    const known = this.head()?.oid ?? null;
    if (headOid === known) return { appended: [], rebuilt: false };
    const { chain, reachedKnown } = await firstParentChain(objects, headOid, known);
    const rebuilt = !reachedKnown && known !== null;
    if (rebuilt) this.clear();
    const changes = await diffChain(objects, chain);
    const sizeBefore = this.lines.length;
    chain.forEach((commit, i) => this.append(commit, changes[i] ?? []));
    const appended: IndexedCommit[] = [];
    for (let seq = sizeBefore; seq < this.lines.length; seq += 1) {
      const commit = this.at(seq);
      if (commit) appended.push(commit);
    }
    return { appended, rebuilt };
  }

  /**
   * Drops the commits from `size` on: a batch of commits that failed to reach the disk (group commit) leaves no
   * trace, so the index stays what the ref on disk says.
   */
  truncate(size: number): void {
    for (let seq = this.lines.length - 1; seq >= size; seq -= 1) {
      const line = this.lines[seq];
      const record = line === undefined ? null : decodeRecord(line);
      if (!record) continue;
      this.byOid.delete(record.commit.oid);
      const requestId = parseCommitMessage(record.commit.message).trailers?.requestId;
      if (requestId && this.byRequestId.get(requestId) === seq) this.byRequestId.delete(requestId);
      for (const change of record.changes) {
        const list = this.byPath.get(change.path);
        while (list && (list.at(-1) ?? -1) >= size) list.pop();
        if (list?.length === 0) this.byPath.delete(change.path);
      }
      this.decoded.delete(seq);
    }
    this.lines.length = Math.min(this.lines.length, size);
    this.times.length = this.lines.length;
    this.earliestFrom.length = this.lines.length;
    this.timesOutOfOrder = true;
  }

  private clear(): void {
    this.lines.length = 0;
    this.byOid.clear();
    this.byRequestId.clear();
    this.byPath.clear();
    this.decoded.clear();
    this.earliestFrom.length = 0;
    this.times.length = 0;
    this.timesOutOfOrder = false;
  }
}

function toIndexed({ commit, changes }: CommitRecord, seq: number): IndexedCommit {
  const { comment, trailers } = parseCommitMessage(commit.message);
  return { ...commit, seq, comment, trailers, changes };
}

async function firstParentChain(objects: ObjectStore, head: string | null, stopAt: string | null): Promise<{ chain: StoredCommit[]; reachedKnown: boolean }> {
  const chain: StoredCommit[] = [];
  let oid = head;
  while (oid !== null) {
    if (oid === stopAt) return { chain: chain.reverse(), reachedKnown: true };
    const commit = await objects.readCommit(oid);
    chain.push(commit);
    oid = commit.parents[0] ?? null;
  }
  return { chain: chain.reverse(), reachedKnown: stopAt === null };
}

/** Diffs each commit against its first parent, a bounded number at a time. */
async function diffChain(objects: ObjectStore, chain: readonly StoredCommit[]): Promise<PathChange[][]> {
  const trees = await Promise.all(chain.map(async (c) => ({ tree: c.tree, parent: c.parents[0] ? (await objects.readCommit(c.parents[0])).tree : null })));
  const result: PathChange[][] = new Array(chain.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < trees.length) {
      const i = next++;
      const t = trees[i];
      if (t) result[i] = await diffTrees(objects, t.parent, t.tree);
    }
  };
  await Promise.all(Array.from({ length: BUILD_CONCURRENCY }, worker));
  return result;
}

/** The index of the last entry of ascending `sorted` that is at most `value`; -1 when there is none. */
export function lastIndexAtOrBefore(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? Infinity) <= value) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
