import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { InstanceRecord, InstanceRegistry } from '../services/instance-registry.js';
import type { InstanceSharing } from '../services/instance-sharing.js';
import { untrustedJsonObject } from '../domain/untrusted-json.js';

export const INSTANCES_TOPIC = 'cairn:instances';
const KEY_PREFIX = 'cairn:instance:';
/** Keys read per SCAN step when a replica starts: bounded work per round trip. */
const SCAN_COUNT = 1000;

/** An instance record as it travels: labels as pairs, and who sent it (a replica ignores its own). */
interface SharedRecord extends Omit<InstanceRecord, 'labels'> {
  readonly labels: readonly (readonly [string, string])[];
  readonly replica: string;
}

/**
 * Instance state among replicas, in Redis: each report is one key per instance, expiring with the instances' TTL
 * (so Redis forgets silent instances as every replica does), and one message on `cairn:instances` that the other
 * replicas merge into their registries. A replica that starts reads every key first. Reports are operational data:
 * nothing here is history, and losing Redis loses nothing the next heartbeats do not bring back.
 */
export class RedisInstanceSharing implements InstanceSharing {
  private readonly replica = randomUUID();
  private registry: InstanceRegistry | null = null;
  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== INSTANCES_TOPIC || !this.registry) return;
    const record = parseRecord(message);
    if (record && record.replica !== this.replica) this.registry.merge(recordOf(record));
  };

  constructor(
    /** Redis's two connections: one for commands, one subscribed (to INSTANCES_TOPIC among others). */
    private readonly redis: { readonly publish: Redis; readonly subscribe: Redis },
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  async share(record: InstanceRecord): Promise<void> {
    const shared: SharedRecord = { ...record, labels: [...record.labels], replica: this.replica };
    const text = JSON.stringify(shared);
    try {
      await this.redis.publish.multi().set(keyOf(record), text, 'PX', this.ttlMs).publish(INSTANCES_TOPIC, text).exec();
    } catch (error) {
      this.logger.warn(
        { err: error, namespace: record.namespace, environment: record.environment },
        'could not share an instance report; its next heartbeat tries again',
      );
    }
  }

  /** Reads what Redis holds into `registry`, then merges every report other replicas share. */
  async follow(registry: InstanceRegistry): Promise<void> {
    this.registry = registry;
    // Listening first: a report shared during the scan is merged either way (the newer record wins).
    this.redis.subscribe.on('message', this.onMessage);
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.publish.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', SCAN_COUNT);
      cursor = next;
      const values = keys.length ? await this.redis.publish.mget(...keys) : [];
      for (const value of values) {
        const record = value === null ? null : parseRecord(value);
        if (record) registry.merge(recordOf(record));
      }
    } while (cursor !== '0');
  }

  stop(): void {
    this.redis.subscribe.off('message', this.onMessage);
  }
}

function keyOf(record: InstanceRecord): string {
  // Namespace, environment and instance id never contain '/' (their validations say so).
  return `${KEY_PREFIX}${record.namespace}/${record.environment}/${record.id}`;
}

function recordOf(shared: SharedRecord): InstanceRecord {
  const { replica: _replica, labels, ...record } = shared;
  return { ...record, labels: new Map(labels) };
}

/** Anything may be published on the channel: only a well-formed record counts. */
function parseRecord(text: string): SharedRecord | null {
  const r = untrustedJsonObject(text);
  if (!r) return null;
  const strings = ['namespace', 'environment', 'id', 'cluster', 'message', 'replica'].every((k) => typeof r[k] === 'string');
  const labels = Array.isArray(r.labels) && r.labels.every((l) => Array.isArray(l) && l.length === 2 && l.every((x) => typeof x === 'string'));
  const version = r.version === null || typeof r.version === 'string';
  const status = r.status === null || r.status === 'APPLIED' || r.status === 'FAILED';
  const times = typeof r.lastSeen === 'number' && (r.failedAt === null || typeof r.failedAt === 'number');
  return strings && labels && version && status && times ? (r as unknown as SharedRecord) : null;
}
