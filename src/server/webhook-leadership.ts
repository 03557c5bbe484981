import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebhookDispatcher } from '../services/webhooks/webhook-dispatcher.js';

const LEASE_KEY = 'cairn:webhook-delivery';

/** Extends the lease only if this replica still holds it (a paused process must not extend a lease it lost). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One replica delivers webhooks at a time: the holder of a Redis lease, renewed every third of its length. A
 * holder that has not confirmed its lease for two thirds of it stops delivering, whether its renewal failed or is
 * still hanging, before the lease can pass to another replica; the next holder resumes from the cursors shared on
 * the remote. Only a process frozen longer than that (the watchdog cannot run) can overlap with the next holder:
 * receivers may then see an event twice, and the two senders' requests may interleave.
 */
export class WebhookLeadership {
  private held = false;
  /** When the last renewal that succeeded was sent (monotonic clock). */
  private confirmedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly dispatcher: WebhookDispatcher,
    private readonly replica: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

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
    await this.dispatcher.stop();
    await this.redis.eval(RELEASE, 1, LEASE_KEY, this.replica).catch(() => undefined);
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
        const renewed = await this.redis.eval(RENEW, 1, LEASE_KEY, this.replica, String(this.leaseMs));
        if (renewed === 1 && this.held) this.confirmedAt = sentAt;
        else if (renewed !== 1) this.resign('the lease passed to another replica');
      } else if ((await this.redis.set(LEASE_KEY, this.replica, 'PX', this.leaseMs, 'NX')) === 'OK') {
        this.held = true;
        this.confirmedAt = sentAt;
        this.logger.info({ replica: this.replica }, 'this replica delivers webhooks');
        // Not awaited: starting can wait on the remote, and renewals must go on meanwhile.
        this.dispatcher.start().catch((error: unknown) => this.logger.error({ err: error }, 'webhook delivery could not start'));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not reach Redis for the webhook delivery lease');
    }
  }

  private resign(reason: string): void {
    if (!this.held) return;
    this.held = false;
    this.logger.warn({ replica: this.replica, reason }, 'this replica stops delivering webhooks');
    this.dispatcher.stop().catch((error: unknown) => this.logger.error({ err: error }, 'webhook delivery did not stop cleanly'));
  }
}
