import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SLICE_MS, giveWay } from '../../src/services/event-loop-turn.js';

/** Holds the thread for a whole slice, as a loop over user data does between two giveWay() calls. */
function busySlice(): void {
  const until = performance.now() + SLICE_MS + 1;
  while (performance.now() < until);
}

describe('giveWay', () => {
  it('lets the loop turn between any two slices, however many tasks give way together', async () => {
    const log: string[] = [];
    let probing = true;
    // Something else waiting for the loop (a /healthz request): it runs once per turn.
    const probe = async (): Promise<void> => {
      while (probing) {
        log.push('turn');
        await nextTurn();
      }
    };
    const task = async (name: string): Promise<void> => {
      for (let slice = 0; slice < 3; slice += 1) {
        busySlice();
        await giveWay();
        log.push(name);
      }
    };
    const probed = probe();
    await Promise.all(['a', 'b', 'c', 'd'].map(task));
    probing = false;
    await probed;
    // Between two turns of the loop at most one task ran a slice (each task gave way after each slice).
    const stretches = log
      .join(' ')
      .split('turn')
      .map((s) => s.trim().split(' ').filter(Boolean).length);
    expect(Math.max(...stretches)).toBeLessThanOrEqual(1);
    // First come, first served: each task in turn.
    expect(log.filter((e) => e !== 'turn').slice(0, 8)).toEqual(['a', 'b', 'c', 'd', 'a', 'b', 'c', 'd']);
  });
});
