/**
 * Exponential backoff with ±20% jitter: consumers cut off together (a server restart) do not all come back in the
 * same instant. `reset` after something went well; `next` is the wait before the following attempt.
 */
export class Backoff {
  private delay: number;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {
    this.delay = firstMs;
  }

  next(): number {
    const wait = Math.round(this.delay * (0.8 + Math.random() * 0.4));
    this.delay = Math.min(this.delay * 2, this.maxMs);
    return wait;
  }

  reset(): void {
    this.delay = this.firstMs;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
