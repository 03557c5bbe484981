import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Work that one replica at a time does: started when it takes the lease, stopped when it loses or gives it up. */
export interface LeasedWork {
  /** For logs: "delivers webhooks", "drives rollouts". */
  readonly what: string;
  start(): Promise<void> | void;
  stop(): Promise<void>;
}

/** Extends the lease only if this replica still holds it (a paused process must not extend a lease it lost). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One replica does `work` at a time: the holder of a Redis lease (`key`), renewed every third of its length. A
 * holder that has not confirmed its lease for two thirds of it stops the work, whether its renewal failed or is
 * still hanging, before the lease can pass to another replica; the next holder resumes from what is shared (Git,
 * the remote). Only a process frozen longer than that (the watchdog cannot run) can overlap with the next holder:
 * what the work does must then be safe twice (webhook receivers may see an event twice; two rollout steps decided
 * on the same state cannot both land, each being a compare-and-swap of the release branch).
 */
export class ReplicaLease {
  private held = false;
  /** When the last renewal that succeeded was sent (monotonic clock). */
  private confirmedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly work: LeasedWork,
    private readonly replica: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  /** Whether this replica holds the lease now (work that awaits before it starts looks again). */
  get holding(): boolean {
    return this.held;
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(10, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing;
    if (!this.held) return;
    this.held = false;
    await this.work.stop();
    await this.redis.eval(RELEASE, 1, this.key, this.replica).catch(() => undefined);
  }

  /** The watchdog runs on every tick, apart from any Redis command still in flight. */
  private tick(): Promise<void> {
    if (this.held && performance.now() - this.confirmedAt > (this.leaseMs * 2) / 3) this.resign('the lease could not be confirmed in time');
    this.renewing ??= this.renewOrAcquire().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async renewOrAcquire(): Promise<void> {
    const sentAt = performance.now();
    try {
      if (this.held) {
        const renewed = await this.redis.eval(RENEW, 1, this.key, this.replica, String(this.leaseMs));
        if (renewed === 1 && this.held) this.confirmedAt = sentAt;
        else if (renewed !== 1) this.resign('the lease passed to another replica');
      } else if ((await this.redis.set(this.key, this.replica, 'PX', this.leaseMs, 'NX')) === 'OK') {
        this.held = true;
        this.confirmedAt = sentAt;
        this.logger.info({ replica: this.replica, lease: this.key }, `this replica ${this.work.what}`);
        // Not awaited: starting can wait on the remote, and renewals must go on meanwhile.
        Promise.resolve()
          .then(() => this.work.start())
          .catch((error: unknown) => this.logger.error({ err: error, lease: this.key }, `this replica could not start: it ${this.work.what}`));
      }
    } catch (error) {
      this.logger.warn({ err: error, lease: this.key }, 'could not reach Redis for a lease');
    }
  }

  private resign(reason: string): void {
    if (!this.held) return;
    this.held = false;
    this.logger.warn({ replica: this.replica, lease: this.key, reason }, `this replica no longer ${this.work.what}`);
    this.work.stop().catch((error: unknown) => this.logger.error({ err: error, lease: this.key }, 'leased work did not stop cleanly'));
  }
}
