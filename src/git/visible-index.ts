import { type CommitIndex, type IndexedCommit, lastIndexAtOrBefore } from './commit-index.js';

/**
 * Main's commit index as readers see it: its first `limit()` commits. With group commit, the commits of batches still
 * on their way to the disk are indexed (the writes queued behind them build on them) but not yet shown: a version a
 * reader was told of must survive a crash, as much as one a writer was answered with.
 */
export class VisibleIndex {
  constructor(
    private readonly index: CommitIndex,
    private readonly limit: () => number,
  ) {}

  get size(): number {
    return this.limit();
  }

  head(): IndexedCommit | null {
    const size = this.limit();
    return size === 0 ? null : (this.index.at(size - 1) ?? null);
  }

  at(seq: number): IndexedCommit | undefined {
    return seq < this.limit() ? this.index.at(seq) : undefined;
  }

  get(oid: string): IndexedCommit | undefined {
    return this.shown(this.index.get(oid));
  }

  withRequestId(requestId: string): IndexedCommit | undefined {
    return this.shown(this.index.withRequestId(requestId));
  }

  matchPrefix(prefix: string): IndexedCommit[] {
    const size = this.limit();
    return this.index.matchPrefix(prefix).filter((c) => c.seq < size);
  }

  historyOf(path: string): readonly number[] {
    const list = this.index.historyOf(path);
    const size = this.limit();
    return (list.at(-1) ?? -1) < size ? list : list.slice(0, lastIndexAtOrBefore(list, size - 1) + 1);
  }

  lastChangeOf(path: string, seq: number): IndexedCommit | undefined {
    return this.index.lastChangeOf(path, Math.min(seq, this.limit() - 1));
  }

  /** The earliest-time-from-here table never decreases: when the last match is not shown yet, the last shown commit matches too. */
  lastAtOrBefore(seconds: number): IndexedCommit | undefined {
    const found = this.index.lastAtOrBefore(seconds);
    return found && found.seq >= this.limit() ? (this.head() ?? undefined) : found;
  }

  changedSince(seq: number, paths: Iterable<string>): string[] {
    return [...paths].filter((p) => (this.historyOf(p).at(-1) ?? -1) > seq);
  }

  private shown(commit: IndexedCommit | undefined): IndexedCommit | undefined {
    return commit && commit.seq < this.limit() ? commit : undefined;
  }
}
