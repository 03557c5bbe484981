/**
 * A sleep that can be cut short. A `wake` that comes while nobody waits is kept, so the next `wait` returns at
 * once: a notification between "I looked and found nothing" and "I wait" is never lost.
 */
export class Wakeup {
  private woken = false;
  private interrupt: (() => void) | null = null;

  wake(): void {
    this.woken = true;
    this.interrupt?.();
  }

  /** Resolves on `wake`, or after `ms` (never, when absent). */
  async wait(ms?: number): Promise<void> {
    if (!this.woken) {
      await new Promise<void>((resolve) => {
        const timer = ms === undefined ? null : setTimeout(done, Math.max(0, ms));
        timer?.unref();
        function done(): void {
          if (timer) clearTimeout(timer);
          resolve();
        }
        this.interrupt = done;
      });
      this.interrupt = null;
    }
    this.woken = false;
  }
}
