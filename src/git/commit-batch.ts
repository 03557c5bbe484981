import type { IndexedCommit } from './commit-index.js';
import type { EncodedObject } from './object-format.js';

/** A commit of main made in memory (indexed, its objects staged), waiting for its batch to reach the disk. */
export interface QueuedCommit {
  readonly indexed: IndexedCommit;
  /** The commit it builds on: for the first of a batch, what main must still point at on disk. */
  readonly parent: string | null;
  readonly objects: readonly EncodedObject[];
}

export interface BatchStorage {
  /** Writes a batch's objects and moves main once, durably; throwing fails every commit of the batch. */
  store(batch: readonly QueuedCommit[]): Promise<void>;
  /** A batch failed: `dropped` (it and every commit queued after it, which build on it) never reached the disk. */
  drop(dropped: readonly QueuedCommit[]): void;
}

/** The longest a batch waits to gather the writers of the last one, however long that one took to store. */
const MAX_GATHER_MS = 50;

interface Waiting {
  /** Its place among every commit ever queued here: where a held group starts and ends. */
  readonly seq: number;
  readonly commit: QueuedCommit;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Commits queued between `hold()` and its release: one batch, written once released. */
interface HeldGroup {
  readonly from: number;
  to: number | null;
  readonly released: Promise<void>;
}

/**
 * Group commit for one namespace's main. Commits are made one at a time under the write lock, each on the one
 * before, and queued here; while one batch is being written and fsynced, the writes behind it are evaluated and
 * queue up, and they form the next batch as soon as the disk is free: batches grow with the load.
 * A commit's promise settles once its batch is durable (or failed), which is when its writer may be answered.
 *
 * Writers that wait for their answer before writing again would otherwise settle into two groups taking turns
 * (3 and 1 of 4 clients, 13 and 3 of 16: bench/writers.ts), each waiting for the other's fsyncs as well as its own.
 * So a batch starts once as many commits are queued as the last one held plus those queued behind it (the writers
 * just answered come back), or once as long as the last batch took to store (at most MAX_GATHER_MS) has passed
 * since the first came: a separate batch for the late ones would have cost them that much anyway. One writer never
 * waits (one commit is all it expects), nor does the first writer after a quiet spell (one coming more than a store
 * time after the last batch ended), nor a task waiting in `idle()`.
 * A history import's group and a failed batch teach nothing about the writers: after them, nothing is expected.
 */
export class CommitBatch {
  private readonly queue: Waiting[] = [];
  private writing: Promise<void> | null = null;
  private queued = 0;
  private held: HeldGroup | null = null;
  /** Batches that failed so far: a task that saw commits of one of them must not build anything else on them. */
  failures = 0;
  /** Batches written or failed so far: a read of main on disk is current only if none settled meanwhile. */
  settled = 0;
  /** Why the last batch that failed did: what a task that saw its commits is answered with (see `settledThrough`). */
  lastFailure: unknown = null;
  /** Commits (in queue order) settled so far, written or failed: every one before this count. */
  private settledCount = 0;
  /** Tasks waiting for the commits before their count to settle (see `settledThrough`). */
  private readonly settling: { readonly count: number; readonly resolve: () => void }[] = [];
  /** Commits the next batch gathers before it starts (see the class's comment). */
  private expected = 1;
  /** When the last batch was stored (or failed). */
  private endedAt = 0;
  /** How long it took to store, at most MAX_GATHER_MS: how long the next batch may wait to gather `expected`. */
  private windowMs = 0;
  /** Starts the batch being gathered, once `expected` commits are queued. */
  private gathered: (() => void) | null = null;
  /** Tasks waiting in `idle()`: they hold the write lock, so no commit will join a batch being gathered. */
  private idlers = 0;

  constructor(
    private readonly maxCommits: number,
    private readonly storage: BatchStorage,
  ) {}

  /** Commits queued or being written: main on disk is behind the index until this is false. */
  get busy(): boolean {
    return this.writing !== null;
  }

  /** A batch is being written, or one ended less than `ms` ago: writers are still coming and going here. */
  activeWithin(ms: number): boolean {
    return this.writing !== null || (this.settled > 0 && performance.now() - this.endedAt < ms);
  }

  /** Commits queued here so far, all batches together: the count `settledThrough` takes. */
  get queuedCount(): number {
    return this.queued;
  }

  /** A history import's group was let go but not taken by a batch yet: another cannot be held before it is. */
  get heldGroupPending(): boolean {
    return this.held !== null;
  }

  /**
   * Resolves once the first `count` commits queued here have settled, written or failed (never rejects: whether
   * one failed is told by `failures`). A write task that saw queued commits and committed nothing of its own (its
   * content was already there, or its request id was) answers only then: what it answered with must be on disk.
   */
  settledThrough(count: number): Promise<void> {
    if (count <= this.settledCount) return Promise.resolve();
    return new Promise((resolve) => this.settling.push({ count, resolve }));
  }

  /** Queues `commit`; resolves once it is durable, rejects if its batch (or one before it) failed. */
  add(commit: QueuedCommit): Promise<void> {
    const seq = this.queued++;
    const durable = new Promise<void>((resolve, reject) => this.queue.push({ seq, commit, resolve, reject }));
    if (this.queue.length >= this.expected) this.gathered?.();
    this.writing ??= this.writeQueued();
    return durable;
  }

  /**
   * Gathers the commits queued from now until the returned release into one batch, however many (a batch of a history
   * import, made inside one hold of the write lock): written once released, so it reaches the disk as one unit (one
   * pack, one move of main). Commits queued before it are written first, as usual.
   */
  hold(): () => void {
    if (this.held) throw new Error('commits are held already');
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const group: HeldGroup = { from: this.queued, to: null, released };
    this.held = group;
    return () => {
      group.to = this.queued;
      // None of the group waits (it was empty, or failed with a batch before it): no writer will come to it.
      if (!this.queue.some((w) => w.seq >= group.from)) this.held = null;
      release();
    };
  }

  /** Resolves once every commit queued so far is durable or failed. */
  async idle(): Promise<void> {
    this.idlers += 1;
    try {
      this.gathered?.();
      while (this.writing) await this.writing;
    } finally {
      this.idlers -= 1;
    }
  }

  private async writeQueued(): Promise<void> {
    // Let the task that queued the first commit finish its turn: the batch starts with what is queued by then.
    await Promise.resolve();
    while (this.queue.length > 0) {
      await this.gather();
      const { size, held } = await this.nextBatch();
      const batch = this.queue.splice(0, size);
      const started = performance.now();
      let stored = true;
      try {
        await this.storage.store(batch.map((w) => w.commit));
        for (const waiting of batch) waiting.resolve();
        this.settleThrough((batch.at(-1)?.seq ?? -1) + 1);
      } catch (error) {
        stored = false;
        const failed = [...batch, ...this.queue.splice(0)];
        this.failures += 1;
        this.lastFailure = error;
        this.storage.drop(failed.map((w) => w.commit));
        for (const waiting of failed) waiting.reject(error);
        this.settleThrough(this.queued);
      }
      this.settled += 1;
      const ended = performance.now();
      this.expected = stored && !held ? Math.min(this.maxCommits, batch.length + this.queue.length) : 1;
      this.endedAt = ended;
      this.windowMs = Math.min(ended - started, MAX_GATHER_MS);
    }
    this.writing = null;
  }

  private settleThrough(count: number): void {
    this.settledCount = Math.max(this.settledCount, count);
    for (let i = this.settling.length - 1; i >= 0; i -= 1) {
      const waiter = this.settling[i]!;
      if (waiter.count > this.settledCount) continue;
      this.settling.splice(i, 1);
      waiter.resolve();
    }
  }

  /**
   * Resolves once `expected` commits are queued, or a store time after the first came (see the class's comment).
   * A first commit more than a store time after the last batch ended is no writer of it coming back: it starts.
   */
  private gather(): Promise<void> {
    const quiet = performance.now() > this.endedAt + this.windowMs;
    // A held group is written whole once released: nothing to gather.
    if (this.queue.length >= this.expected || this.held || this.idlers > 0 || quiet) return Promise.resolve();
    return new Promise((resolve) => {
      const start = (): void => {
        clearTimeout(timer);
        this.gathered = null;
        resolve();
      };
      const timer = setTimeout(start, this.windowMs);
      this.gathered = start;
    });
  }

  /** The queue's first commits the next batch takes: those before a held group, or the whole group once released. */
  private async nextBatch(): Promise<{ size: number; held: boolean }> {
    const group = this.held;
    const first = this.queue[0]?.seq ?? this.queued;
    if (!group) return { size: this.maxCommits, held: false };
    if (first < group.from) return { size: Math.min(this.maxCommits, group.from - first), held: false };
    await group.released;
    this.held = null;
    return { size: (group.to ?? this.queued) - first, held: true };
  }
}
