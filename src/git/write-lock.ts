/**
 * Serializes the writes of one namespace inside this process: each task starts when the previous one settled,
 * so a writer re-reads the head, checks the expected version and moves the ref with no one in between.
 */
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending += 1;
    const result = this.tail.then(task);
    this.tail = result
      .catch(() => undefined)
      .finally(() => {
        this.pending -= 1;
      });
    return result;
  }

  /** Tasks queued behind the running one (inside a task: the writers waiting for it). */
  get waiting(): number {
    return Math.max(0, this.pending - 1);
  }

  /** Resolves once every write queued so far has settled (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }
}
