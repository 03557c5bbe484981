import type { RepositoryStore } from '../git/repository-store.js';
import type { RolloutService } from './rollouts.js';

/**
 * Moves rollouts on by the clock: every `intervalMs`, each rollout in progress is looked at once (a step that has
 * baked, failures past the threshold). At start it finds the rollouts a restart interrupted: their state is in Git.
 */
export class RolloutDriver {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private resuming: Promise<void> = Promise.resolve();

  constructor(
    private readonly rollouts: RolloutService,
    private readonly store: RepositoryStore,
    private readonly intervalMs: number,
  ) {}

  /**
   * Starts the clock at once; the rollouts a restart interrupted are found in the background (a read of each
   * namespace's definitions), so a server with many namespaces is not kept from serving by it.
   */
  start(): void {
    if (this.timer) return;
    // resumeWatching reports each namespace's failure itself; a store that cannot even list is seen by every request.
    this.resuming = this.store
      .list()
      .then((namespaces) => this.rollouts.resumeWatching(namespaces))
      .catch(() => undefined);
    this.timer = setInterval(() => {
      // One tick at a time, and none queued behind a slow one (a large rollback): the next interval looks again.
      if (this.running) return;
      this.running = this.rollouts.tick().finally(() => {
        this.running = null;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.resuming;
    await this.running;
  }
}
