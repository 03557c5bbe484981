import type { RepositoryStore } from '../git/repository-store.js';
import type { RolloutService } from './rollouts.js';

/**
 * Moves rollouts on by the clock: every `intervalMs`, each rollout in progress is looked at once (a step that has
 * baked, failures past the threshold). At start it finds the rollouts a restart interrupted: their state is in Git.
 */
export class RolloutDriver {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly rollouts: RolloutService,
    private readonly store: RepositoryStore,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    await this.rollouts.resumeWatching(await this.store.list());
    this.timer = setInterval(() => {
      // One tick at a time: a slow one (a large rollback) is not overlapped by the next.
      this.running = this.running.then(() => this.rollouts.tick());
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
