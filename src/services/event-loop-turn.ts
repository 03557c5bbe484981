import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Longest stretch of synchronous work between two turns of the event loop that a long task allows itself. Every
 * tenant shares one thread: a task that loops over versions or documents gives way this often, so health checks
 * and other requests are answered in between.
 */
export const SLICE_MS = 10;

let sliceStarted = performance.now();

/**
 * Gives the event loop a turn (timers, I/O, other requests) when the current stretch of work has run for SLICE_MS;
 * otherwise returns at once. Call it inside loops whose length grows with user data. A resolved promise is not
 * enough: microtasks run before I/O, so an `await` of cached data never lets a waiting request in.
 */
export async function giveWay(): Promise<void> {
  if (performance.now() - sliceStarted < SLICE_MS) return;
  await nextTurn();
  sliceStarted = performance.now();
}
