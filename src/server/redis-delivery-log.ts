import type { Redis } from 'ioredis';
import type { DeliveryAttempt } from '../domain/webhook-delivery.js';
import type { Page, PageArgs } from '../services/pagination.js';
import { type DeliveryLog, lastInOrder, pageAttempts } from '../services/webhooks/delivery-log.js';

/**
 * The delivery log in Redis, shared by replicas: the attempts of a webhook are made by whichever replica holds
 * the delivery lease, and any replica answers `deliveries`. One capped list per webhook (oldest first) and a
 * counter for its sequence numbers. Redis persistence is Redis's configuration; losing the log loses history of
 * attempts only: what was delivered is in the cursor refs.
 */
export class RedisDeliveryLog implements DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly keep: number,
  ) {}

  async append(webhookId: string, attempt: Omit<DeliveryAttempt, 'seq'>): Promise<DeliveryAttempt> {
    const seq = (await this.redis.incr(seqKey(webhookId))) - 1;
    const entry: DeliveryAttempt = { seq, ...attempt };
    await this.redis.multi().rpush(listKey(webhookId), JSON.stringify(entry)).ltrim(listKey(webhookId), -this.keep, -1).exec();
    return entry;
  }

  async last(webhookId: string): Promise<DeliveryAttempt | null> {
    const line = await this.redis.lindex(listKey(webhookId), -1);
    return line ? (JSON.parse(line) as DeliveryAttempt) : null;
  }

  async lastInOrder(webhookId: string): Promise<DeliveryAttempt | null> {
    return lastInOrder(await this.entries(webhookId));
  }

  async page(webhookId: string, args: PageArgs): Promise<Page<DeliveryAttempt>> {
    return pageAttempts(await this.entries(webhookId), args);
  }

  async remove(webhookId: string): Promise<void> {
    await this.redis.del(listKey(webhookId), seqKey(webhookId));
  }

  private async entries(webhookId: string): Promise<DeliveryAttempt[]> {
    return (await this.redis.lrange(listKey(webhookId), 0, -1)).map((line) => JSON.parse(line) as DeliveryAttempt);
  }
}

function listKey(webhookId: string): string {
  return `cairn:webhook:${webhookId}:deliveries`;
}

function seqKey(webhookId: string): string {
  return `cairn:webhook:${webhookId}:seq`;
}
