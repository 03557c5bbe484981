import { type CommitTrailers, parseCommitMessage } from '../domain/commit-message.js';
import type { CommitRecord } from './index-file.js';
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

/**
 * Commit metadata of main, in memory, so that history, audit and per-document queries never walk Git.
 * Git stays the source of truth: the index is derived from it and can always be rebuilt.
 */
export class CommitIndex {
  private readonly commits: IndexedCommit[] = [];
  private readonly byOid = new Map<string, IndexedCommit>();
  private readonly byRequestId = new Map<string, IndexedCommit>();
  private readonly byPath = new Map<string, number[]>();
  /**
   * One copy of each repeated string (operators, paths, addresses): at 100k commits the index is most of the
   * server's memory, and these repeat on nearly every commit.
   */
  private readonly strings = new Map<string, string>();

  private intern(value: string): string;
  private intern(value: string | null): string | null;
  private intern(value: string | null): string | null {
    if (value === null) return null;
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  private signature(s: Signature): Signature {
    return { name: this.intern(s.name), email: this.intern(s.email), timestamp: s.timestamp, timezoneOffset: s.timezoneOffset };
  }

  get size(): number {
    return this.commits.length;
  }

  head(): IndexedCommit | null {
    return this.commits.at(-1) ?? null;
  }

  get(oid: string): IndexedCommit | undefined {
    return this.byOid.get(oid);
  }

  at(seq: number): IndexedCommit | undefined {
    return this.commits[seq];
  }

  withRequestId(requestId: string): IndexedCommit | undefined {
    return this.byRequestId.get(requestId);
  }

  /** Main's commits whose hash starts with `prefix`. */
  matchPrefix(prefix: string): IndexedCommit[] {
    return this.commits.filter((c) => c.oid.startsWith(prefix));
  }

  /** Sequence numbers of the commits that changed `path`, oldest first. */
  historyOf(path: string): readonly number[] {
    return this.byPath.get(path) ?? [];
  }

  /** The latest commit at or before `seq` that changed `path`. */
  lastChangeOf(path: string, seq: number): IndexedCommit | undefined {
    const list = this.historyOf(path);
    let lo = 0;
    let hi = list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] ?? Infinity) <= seq) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.commits[list[found] ?? -1];
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
    const existing = this.byOid.get(commit.oid);
    if (existing) return existing;
    const { comment, trailers } = parseCommitMessage(commit.message);
    const indexed: IndexedCommit = {
      oid: commit.oid,
      seq: this.commits.length,
      parents: commit.parents,
      tree: commit.tree,
      author: this.signature(commit.author),
      committer: this.signature(commit.committer),
      message: commit.message,
      comment,
      trailers: trailers && { ...trailers, operatorIp: this.intern(trailers.operatorIp) },
      changes: changes.map((c) => ({ ...c, path: this.intern(c.path) })),
    };
    this.commits.push(indexed);
    this.byOid.set(indexed.oid, indexed);
    if (trailers?.requestId && !this.byRequestId.has(trailers.requestId)) this.byRequestId.set(trailers.requestId, indexed);
    for (const change of changes) {
      const list = this.byPath.get(change.path) ?? [];
      list.push(indexed.seq);
      this.byPath.set(change.path, list);
    }
    return indexed;
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
    const sizeBefore = this.commits.length;
    chain.forEach((commit, i) => this.append(commit, changes[i] ?? []));
    return { appended: this.commits.slice(sizeBefore), rebuilt };
  }

  /** Every indexed commit as the index file stores it. */
  records(from = 0): CommitRecord[] {
    return this.commits.slice(from).map(toRecord);
  }

  private clear(): void {
    this.commits.length = 0;
    this.byOid.clear();
    this.byRequestId.clear();
    this.byPath.clear();
    this.strings.clear();
  }
}

export function toRecord(c: IndexedCommit): CommitRecord {
  return {
    commit: { oid: c.oid, parents: c.parents, tree: c.tree, author: c.author, committer: c.committer, message: c.message },
    changes: c.changes,
  };
}

async function firstParentChain(
  objects: ObjectStore,
  head: string | null,
  stopAt: string | null,
): Promise<{ chain: StoredCommit[]; reachedKnown: boolean }> {
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
