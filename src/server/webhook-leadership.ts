import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WebhookDispatcher } from '../services/webhooks/webhook-dispatcher.js';

const LEASE_KEY = 'cairn:webhook-delivery';

/** Extends the lease only if this replica still holds it (a paused process must not extend a lease it lost). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One replica delivers webhooks at a time: the holder of a Redis lease, renewed every third of its length. A
 * replica that cannot renew in time stops delivering before the lease can pass to another one; the next holder
 * resumes from the cursors shared on the remote. A pause longer than the lease can overlap two deliverers for a
 * moment: receivers then see an event twice (at least once, as promised), never out of order per webhook.
 */
export class WebhookLeadership {
  private held = false;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

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
    await this.ticking;
    if (!this.held) return;
    this.held = false;
    await this.dispatcher.stop();
    await this.redis.eval(RELEASE, 1, LEASE_KEY, this.replica).catch(() => undefined);
  }

  private tick(): Promise<void> {
    this.ticking ??= this.renewOrAcquire().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async renewOrAcquire(): Promise<void> {
    try {
      if (this.held) {
        const renewed = await this.redis.eval(RENEW, 1, LEASE_KEY, this.replica, String(this.leaseMs));
        if (renewed === 1) this.renewedAt = Date.now();
        else await this.resign('the lease passed to another replica');
      } else if ((await this.redis.set(LEASE_KEY, this.replica, 'PX', this.leaseMs, 'NX')) === 'OK') {
        this.held = true;
        this.renewedAt = Date.now();
        this.logger.info({ replica: this.replica }, 'this replica delivers webhooks');
        await this.dispatcher.start();
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not reach Redis for the webhook delivery lease');
      if (this.held && Date.now() - this.renewedAt > (this.leaseMs * 2) / 3) await this.resign('the lease could not be renewed in time');
    }
  }

  private async resign(reason: string): Promise<void> {
    this.held = false;
    this.logger.warn({ replica: this.replica, reason }, 'this replica stops delivering webhooks');
    await this.dispatcher.stop();
  }
}
