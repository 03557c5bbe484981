import { describe, expect, it } from 'vitest';
import { CommitBatch, type QueuedCommit } from '../../src/git/commit-batch.js';

const STORE_MS = 20;

/** A commit as the batch sees it: only its place in the chain matters to the scheduling under test. */
function commit(seq: number): QueuedCommit {
  return { indexed: { seq } as QueuedCommit['indexed'], parent: null, objects: [] };
}

/** A batch over a disk that takes STORE_MS a batch, recording each batch's size. */
function batchOver(maxCommits: number, failFirst = false): { batch: CommitBatch; sizes: number[] } {
  const sizes: number[] = [];
  const batch = new CommitBatch(maxCommits, {
    store: async (commits) => {
      sizes.push(commits.length);
      await new Promise((resolve) => setTimeout(resolve, STORE_MS));
      if (failFirst && sizes.length === 1) throw new Error('disk full');
    },
    drop: () => undefined,
  });
  return { batch, sizes };
}

const turn = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve));
const pause = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));

/** Four writers' commits as one batch, durable: the next batch then expects four. */
async function batchOfFour(batch: CommitBatch, next: { seq: number }): Promise<void> {
  await Promise.all(Array.from({ length: 4 }, () => batch.add(commit(next.seq++))));
}

/** A writer that waits for its answer before writing again, `rounds` times (a closed-loop client). */
async function writer(batch: CommitBatch, rounds: number, next: { seq: number }): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await batch.add(commit(next.seq++));
    // The answer travels back and the next write is evaluated: a turn of the event loop at least.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('CommitBatch', () => {
  it('keeps writers that wait for their answers in one batch, not two groups taking turns', async () => {
    const { batch, sizes } = batchOver(32);
    const next = { seq: 0 };
    await Promise.all(Array.from({ length: 4 }, () => writer(batch, 6, next)));
    // Without gathering, the first writer back starts a batch of its own and the others form the next: 4, 1, 3, 1, 3…
    expect(sizes).toEqual([4, 4, 4, 4, 4, 4]);
  });

  it('starts a lone writer’s commit at once: one commit is all it expects', async () => {
    const { batch, sizes } = batchOver(32);
    const durable = batch.add(commit(0));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sizes).toEqual([1]);
    await durable;
    const second = batch.add(commit(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sizes).toEqual([1, 1]);
    await second;
  });

  it('waits at most one store time for a writer that does not come back, then expects only those that do', async () => {
    const { batch, sizes } = batchOver(32);
    const next = { seq: 0 };
    const started = performance.now();
    await Promise.all([writer(batch, 4, next), writer(batch, 4, next), writer(batch, 1, next)]);
    // Batch 2 waited for the third writer (one store time at most) and learned to expect two.
    expect(sizes).toEqual([3, 2, 2, 2]);
    expect(performance.now() - started).toBeLessThan(STORE_MS * 4 + STORE_MS + 200);
  });

  it('starts the first commit after a quiet spell at once, though the last batch held four', async () => {
    const { batch, sizes } = batchOver(32);
    const next = { seq: 0 };
    await batchOfFour(batch, next);
    await pause(STORE_MS * 2);
    const lone = batch.add(commit(next.seq++));
    await turn();
    expect(sizes).toEqual([4, 1]);
    await lone;
  });

  it('does not keep a task waiting in idle() (it holds the write lock: nobody can join) for the writers of the last batch', async () => {
    const { batch, sizes } = batchOver(32);
    const next = { seq: 0 };
    await batchOfFour(batch, next);
    const lone = batch.add(commit(next.seq++));
    const idle = batch.idle();
    await turn();
    expect(sizes).toEqual([4, 1]);
    await Promise.all([lone, idle]);
  });

  it('expects nothing after a history import’s group or a failed batch', async () => {
    const held = batchOver(32);
    const next = { seq: 0 };
    const release = held.batch.hold();
    const group = Array.from({ length: 5 }, () => held.batch.add(commit(next.seq++)));
    release();
    await Promise.all(group);
    const afterGroup = held.batch.add(commit(next.seq++));
    await turn();
    expect(held.sizes).toEqual([5, 1]);
    await afterGroup;

    const failing = batchOver(32, true);
    const failed = await Promise.allSettled(Array.from({ length: 4 }, () => failing.batch.add(commit(next.seq++))));
    expect(failed.every((f) => f.status === 'rejected')).toBe(true);
    const afterFailure = failing.batch.add(commit(next.seq++));
    await turn();
    expect(failing.sizes).toEqual([4, 1]);
    await afterFailure;
  });

  it('never holds more than the most a batch may hold', async () => {
    const { batch, sizes } = batchOver(3);
    const next = { seq: 0 };
    await Promise.all(Array.from({ length: 5 }, () => writer(batch, 3, next)));
    expect(Math.max(...sizes)).toBe(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(15);
  });
});
