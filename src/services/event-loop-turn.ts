import { setImmediate } from 'node:timers';

/**
 * Longest stretch of synchronous work between two turns of the event loop that a long task allows itself. Every
 * tenant shares one thread: a task that loops over versions or documents gives way this often, so health checks
 * and other requests are answered in between.
 */
export const SLICE_MS = 10;

let sliceStarted = performance.now();

/** Tasks that gave way, in the order they did: each resumes on a turn of its own. */
const waiting: (() => void)[] = [];
let turnScheduled = false;

/**
 * Gives the event loop a turn (timers, I/O, other requests) when the current stretch of work has run for SLICE_MS;
 * otherwise returns at once. Call it inside loops whose length grows with user data. A resolved promise is not
 * enough: microtasks run before I/O, so an `await` of cached data never lets a waiting request in.
 *
 * The slice is the loop's, not each task's: tasks that gave way resume one per turn, first come first served, so
 * I/O is polled between any two slices however many tasks wait (32 replays each taking their own slice in the same
 * turn kept /healthz waiting for 32 slices).
 */
export async function giveWay(): Promise<void> {
  if (performance.now() - sliceStarted < SLICE_MS) return;
  await new Promise<void>((resume) => {
    waiting.push(resume);
    scheduleTurn();
  });
}

function scheduleTurn(): void {
  if (turnScheduled) return;
  turnScheduled = true;
  // An immediate queued from an immediate runs on the next turn, after that turn's I/O.
  setImmediate(resumeNext);
}

function resumeNext(): void {
  turnScheduled = false;
  sliceStarted = performance.now();
  waiting.shift()?.();
  if (waiting.length > 0) scheduleTurn();
}
