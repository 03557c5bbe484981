import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { GitRemote } from '../git/remote.js';
import type { RepositoryStore } from '../git/repository-store.js';
import { HEADS_TOPIC, ReplicaSync } from '../services/replica-sync.js';
import type { WebhookDispatcher } from '../services/webhooks/webhook-dispatcher.js';
import type { ClusterSettings } from './settings.js';
import { REDELIVER_REPLY_TOPIC, REDELIVER_REQUEST_TOPIC, RedeliverForwarding } from './redeliver-forwarding.js';
import { ReplicaLease } from './replica-lease.js';
import { INSTANCES_TOPIC } from './redis-instance-sharing.js';
import type { RolloutDriver } from '../services/rollout-driver.js';

export interface Cluster {
  readonly sync: ReplicaSync;
  /**
   * Webhooks among replicas: with Redis, `deliver` makes this replica a candidate for the delivery lease (see
   * WebhookLeadership) and redeliveries are forwarded to the lease holder; without Redis, `deliver` starts
   * delivery here (turn it on in one replica only).
   */
  runWebhooks(dispatcher: WebhookDispatcher, deliver: boolean): Promise<void>;
  /**
   * Rollouts among replicas: with Redis the holder of a lease drives them (after catching up with the remote, so
   * it resumes from the last step any replica committed); without Redis every replica drives, and the release
   * branch's compare-and-swap keeps a step from landing twice.
   */
  runRollouts(driver: RolloutDriver): Promise<void>;
  close(): Promise<void>;
}

export function createRemote(settings: ClusterSettings): GitRemote {
  return new GitRemote({ url: settings.remoteUrl, username: settings.remoteUsername, password: settings.remotePassword, timeoutMs: settings.remoteTimeoutMs });
}

/**
 * Joins the replicas: announcements travel over graphql-yoga's Redis event target (one publishing and one
 * subscribed ioredis connection, as Redis requires), or over nothing but the poll when no Redis is configured.
 */
export async function joinCluster(
  settings: ClusterSettings,
  store: RepositoryStore,
  remote: GitRemote,
  redis: RedisConnections | null,
  logger: Logger,
): Promise<Cluster> {
  const bus = redis ? redisBus(redis, logger) : new EventTarget();
  const sync = new ReplicaSync(store, remote, bus, logger, { pollMs: settings.pollMs });
  store.onAppend((repo, commits) => {
    // Every advance is announced, pulled ones too (a push whose answer was lost is learnt by a pull): followers
    // skip heads they know, so the echo stops at once.
    const head = commits.at(-1);
    if (head) sync.announce(repo, head.oid);
  });
  store.onRefMove((repo, ref, oid) => sync.announceRef(repo, ref, oid));
  await sync.start();
  let leadership: ReplicaLease | null = null;
  let rolloutLease: ReplicaLease | null = null;
  let unleasedDriver: RolloutDriver | null = null;
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
      const work = { what: 'delivers webhooks', start: () => dispatcher.start(), stop: () => dispatcher.stop() };
      leadership = new ReplicaLease(redis.publish, WEBHOOK_LEASE_KEY, work, sync.replica, settings.webhookLeaseMs, logger);
      await leadership.start();
    },
    async runRollouts(driver) {
      if (!redis) {
        unleasedDriver = driver;
        driver.start();
        return;
      }
      const work = {
        what: 'drives rollouts',
        start: async () => {
          await sync.catchUp();
          // The lease may have been lost during the catch-up (and the driver stopped): then it does not start.
          if (rolloutLease?.holding) driver.start();
        },
        stop: () => driver.stop(),
      };
      rolloutLease = new ReplicaLease(redis.publish, ROLLOUT_LEASE_KEY, work, sync.replica, settings.rolloutLeaseMs, logger);
      await rolloutLease.start();
    },
    async close() {
      // Shutdown goes on whatever Redis says: writes still have to drain after this.
      try {
        forwarding?.stop();
        await leadership?.stop();
        await rolloutLease?.stop();
        await unleasedDriver?.stop();
        await sync.stop();
      } catch (error) {
        logger.warn({ err: error }, 'leaving the replicas did not go cleanly');
      }
      if (redis) await Promise.all([redis.publish, redis.subscribe].map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

export const WEBHOOK_LEASE_KEY = 'cairn:webhook-delivery';
export const ROLLOUT_LEASE_KEY = 'cairn:rollout-driver';

/** Every channel replicas talk on; subscribed once, when Redis is connected, and never dropped. */
const TOPICS = [HEADS_TOPIC, REDELIVER_REQUEST_TOPIC, REDELIVER_REPLY_TOPIC, INSTANCES_TOPIC];

/**
 * graphql-yoga's Redis event target, made safe to share a channel with strangers: a message that is not JSON
 * arrives as null instead of throwing inside ioredis's handler (which would end the process); a failed PUBLISH
 * (Redis down) is logged instead of left unhandled; and the library subscribes to each channel once, up front,
 * so no later (un)subscribe can fail unobserved. A lost announcement only delays followers until the next poll.
 */
function redisBus(redis: RedisConnections, logger: Logger): EventTarget {
  const serializer = { stringify: (value: unknown) => JSON.stringify(value), parse: parseOrNull };
  const target = createRedisEventTarget({ publishClient: redis.publish, subscribeClient: redis.subscribe, serializer });
  const local = new EventTarget();
  for (const topic of TOPICS) {
    target.addEventListener(topic, (event: Event) => local.dispatchEvent(new CustomEvent(topic, { detail: (event as CustomEvent<unknown>).detail })));
  }
  return {
    addEventListener: (type: string, listener: EventListenerOrEventListenerObject | null) => local.addEventListener(type, listener),
    removeEventListener: (type: string, listener: EventListenerOrEventListenerObject | null) => local.removeEventListener(type, listener),
    dispatchEvent(event: Event): boolean {
      const detail = (event as CustomEvent<unknown>).detail;
      redis.publish
        .publish(event.type, JSON.stringify(detail))
        .catch((error: unknown) => logger.warn({ err: error, channel: event.type }, 'could not publish on Redis'));
      return true;
    },
  };
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Redis needs a connection of its own for subscribing; the other one publishes and runs commands. */
export interface RedisConnections {
  readonly publish: Redis;
  readonly subscribe: Redis;
}

/**
 * `commandTimeoutMs` bounds every command: a Redis that stops answering must not stall the webhook lease's renewal
 * past the point where another replica may take it.
 */
export async function connectRedis(url: string, logger: Logger, commandTimeoutMs: number): Promise<RedisConnections> {
  const connect = (role: string): Redis => {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, commandTimeout: commandTimeoutMs });
    // ioredis reconnects (and resubscribes) by itself; missed announcements are caught up by the poll.
    client.on('error', (error: Error) => logger.warn({ err: error, role }, 'redis connection problem'));
    return client;
  };
  const publish = connect('publish');
  const subscribe = connect('subscribe');
  await Promise.all([publish.connect(), subscribe.connect()]);
  // Subscribed before the first catch-up, so no announcement falls between the two.
  await subscribe.subscribe(...TOPICS);
  return { publish, subscribe };
}
