import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { GitRemote } from '../git/remote.js';
import type { RepositoryStore } from '../git/repository-store.js';
import { HEADS_TOPIC, ReplicaSync } from '../services/replica-sync.js';
import type { WebhookDispatcher } from '../services/webhooks/webhook-dispatcher.js';
import type { ClusterSettings } from './settings.js';
import { RedeliverForwarding } from './redeliver-forwarding.js';
import { WebhookLeadership } from './webhook-leadership.js';

export interface Cluster {
  readonly sync: ReplicaSync;
  /**
   * Webhooks among replicas: with Redis, `deliver` makes this replica a candidate for the delivery lease (see
   * WebhookLeadership) and redeliveries are forwarded to the lease holder; without Redis, `deliver` starts
   * delivery here (turn it on in one replica only).
   */
  runWebhooks(dispatcher: WebhookDispatcher, deliver: boolean): Promise<void>;
  close(): Promise<void>;
}

export function createRemote(settings: ClusterSettings): GitRemote {
  return new GitRemote({ url: settings.remoteUrl, username: settings.remoteUsername, password: settings.remotePassword, timeoutMs: settings.remoteTimeoutMs });
}

/**
 * Joins the replicas: announcements travel over graphql-yoga's Redis event target (one publishing and one
 * subscribed ioredis connection, as Redis requires), or over nothing but the poll when no Redis is configured.
 */
export async function joinCluster(settings: ClusterSettings, store: RepositoryStore, remote: GitRemote, redis: RedisConnections | null, logger: Logger): Promise<Cluster> {
  const bus = redis ? redisBus(redis, logger) : new EventTarget();
  const sync = new ReplicaSync(store, remote, bus, logger, { pollMs: settings.pollMs });
  store.onAppend((repo, commits, origin) => {
    const head = commits.at(-1);
    if (origin === 'commit' && head) sync.announce(repo, head.oid);
  });
  await sync.start();
  let leadership: WebhookLeadership | null = null;
  let forwarding: RedeliverForwarding | null = null;
  logger.info({ remote: remote.url, redis: Boolean(redis), replica: sync.replica, pollMs: settings.pollMs }, 'joined the replicas sharing the remote');
  return {
    sync,
    async runWebhooks(dispatcher, deliver) {
      if (!redis) {
        if (deliver) await dispatcher.start();
        return;
      }
      forwarding = new RedeliverForwarding(bus, dispatcher, store, logger);
      forwarding.start();
      if (!deliver) return;
      leadership = new WebhookLeadership(redis.publish, dispatcher, sync.replica, settings.webhookLeaseMs, logger);
      await leadership.start();
    },
    async close() {
      forwarding?.stop();
      await leadership?.stop();
      await sync.stop();
      if (redis) await Promise.all([redis.publish.quit(), redis.subscribe.quit()]);
    },
  };
}

/**
 * graphql-yoga's Redis event target, except that a failed PUBLISH (Redis down) is logged: the library leaves its
 * promise unhandled, which would end the process. A lost announcement only delays followers until the next poll.
 */
function redisBus(redis: RedisConnections, logger: Logger): EventTarget {
  const target = createRedisEventTarget({ publishClient: redis.publish, subscribeClient: redis.subscribe });
  return {
    addEventListener: (type: string, listener: EventListenerOrEventListenerObject | null) => target.addEventListener(type, listener),
    removeEventListener: (type: string, listener: EventListenerOrEventListenerObject | null) => target.removeEventListener(type, listener),
    dispatchEvent(event: Event): boolean {
      const detail = (event as CustomEvent<unknown>).detail;
      redis.publish.publish(event.type, JSON.stringify(detail)).catch((error: unknown) => logger.warn({ err: error }, 'could not publish an announcement; followers catch up at their next poll'));
      return true;
    },
  };
}

/** Redis needs a connection of its own for subscribing; the other one publishes and runs commands. */
export interface RedisConnections {
  readonly publish: Redis;
  readonly subscribe: Redis;
}

export async function connectRedis(url: string, logger: Logger): Promise<RedisConnections> {
  const connect = (role: string): Redis => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    // ioredis reconnects (and resubscribes) by itself; missed announcements are caught up by the poll.
    client.on('error', (error: Error) => logger.warn({ err: error, role }, 'redis connection problem'));
    return client;
  };
  const publish = connect('publish');
  const subscribe = connect('subscribe');
  await Promise.all([publish.connect(), subscribe.connect()]);
  // Subscribed before the first catch-up, so no announcement falls between the two.
  await subscribe.subscribe(HEADS_TOPIC);
  return { publish, subscribe };
}
