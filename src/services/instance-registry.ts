import { TooExpensiveError } from '../domain/errors.js';

export type InstanceStatus = 'APPLIED' | 'FAILED';

/** What an instance last reported: who it is, where it runs, what it applied and how that went. */
export interface InstanceReport {
  readonly namespace: string;
  readonly environment: string;
  readonly id: string;
  readonly cluster: string;
  readonly labels: ReadonlyMap<string, string>;
  /** The version it applied (or failed to apply); null for a heartbeat before its first apply. */
  readonly version: string | null;
  readonly status: InstanceStatus | null;
  readonly message: string;
}

export interface InstanceRecord extends InstanceReport {
  /** Server time of its last report, ms. */
  readonly lastSeen: number;
  /** When it first reported FAILED for `version`, ms; null when it has not. */
  readonly failedAt: number | null;
}

export interface InstanceRegistrySettings {
  /** An instance silent for longer is forgotten: it no longer counts nor shows. */
  readonly ttlMs: number;
  /** Instances held at once, all environments together. */
  readonly maxInstances: number;
  /** Instances one namespace may have held at once: its agents cannot fill the server's room for everyone else. */
  readonly maxPerNamespace: number;
  readonly clock: () => number;
}

/**
 * The applied state of every instance: operational data, not history, so it lives in memory (Git records only what
 * the rollouts decide from it). Per environment, so reading one environment's instances never walks the others.
 */
export class InstanceRegistry {
  private readonly byEnvironment = new Map<string, Map<string, InstanceRecord>>();
  private readonly sweptAt = new Map<string, number>();
  private size = 0;
  private readonly perNamespace = new Map<string, number>();
  private sweptEverywhereAt = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<(record: InstanceRecord) => void>();

  constructor(private readonly settings: InstanceRegistrySettings) {}

  report(report: InstanceReport): InstanceRecord {
    const key = keyOf(report.namespace, report.environment);
    let instances = this.byEnvironment.get(key);
    if (!instances) {
      instances = new Map();
      this.byEnvironment.set(key, instances);
    }
    this.expire(key, instances, false);
    const previous = instances.get(report.id);
    // At a cap, the silent instances of other environments (one nobody reports to or lists any more) make room first.
    if (!previous && this.atCap(report.namespace)) this.expireEverywhere();
    if (!previous && this.size >= this.settings.maxInstances) {
      throw new TooExpensiveError('CAIRN_MAX_INSTANCES', `${this.settings.maxInstances} instances report already`);
    }
    if (!previous && (this.perNamespace.get(report.namespace) ?? 0) >= this.settings.maxPerNamespace) {
      throw new TooExpensiveError('CAIRN_MAX_INSTANCES_PER_NAMESPACE', `${this.settings.maxPerNamespace} instances of ${report.namespace} report already`);
    }
    const now = this.settings.clock();
    // A heartbeat names no status: the last one for the same version stands (a failure is not cleared by silence).
    const status = report.status ?? (previous && previous.version === report.version ? previous.status : null);
    // Every failed report dates the failure anew: a rollout counts failures reported since it began.
    const record: InstanceRecord = {
      ...report,
      status,
      lastSeen: now,
      failedAt: status === 'FAILED' ? (report.status ? now : (previous?.failedAt ?? now)) : null,
    };
    if (!previous) this.count(report.namespace, 1);
    instances.set(report.id, record);
    this.told(previous, record);
    return record;
  }

  /** Tells the listeners when the instance's applied state changed (a heartbeat that changes nothing is no news). */
  private told(previous: InstanceRecord | undefined, record: InstanceRecord): void {
    const changed = !previous || previous.version !== record.version || previous.status !== record.status || previous.cluster !== record.cluster;
    if (changed) for (const listener of this.listeners) listener(record);
  }

  /**
   * Takes a record another replica made of a report it received. Kept when it is newer than what this replica
   * knows of the instance and still within the TTL; dropped when this replica's caps leave no room (the replica that
   * took the report counted it against the same caps).
   */
  merge(record: InstanceRecord): void {
    const key = keyOf(record.namespace, record.environment);
    let instances = this.byEnvironment.get(key);
    const previous = instances?.get(record.id);
    if ((previous && previous.lastSeen >= record.lastSeen) || record.lastSeen < this.settings.clock() - this.settings.ttlMs) return;
    if (!previous && this.atCap(record.namespace)) this.expireEverywhere();
    if (!previous && this.atCap(record.namespace)) return;
    if (!instances) {
      instances = new Map();
      this.byEnvironment.set(key, instances);
    }
    if (!previous) this.count(record.namespace, 1);
    instances.set(record.id, record);
    this.told(previous, record);
  }

  /** The environment's instances that reported within the TTL. */
  list(namespace: string, environment: string): InstanceRecord[] {
    const instances = this.byEnvironment.get(keyOf(namespace, environment));
    if (!instances) return [];
    this.expire(keyOf(namespace, environment), instances, true);
    return [...instances.values()];
  }

  /** Called with each instance whose applied state changed: new, another version, another status or cluster. */
  onChange(listener: (record: InstanceRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private atCap(namespace: string): boolean {
    return this.size >= this.settings.maxInstances || (this.perNamespace.get(namespace) ?? 0) >= this.settings.maxPerNamespace;
  }

  /** Every environment's expired instances, at most once a second: a report refused at the cap costs no more than that. */
  private expireEverywhere(): void {
    const now = this.settings.clock();
    if (now - this.sweptEverywhereAt < SWEEP_INTERVAL_MS) return;
    this.sweptEverywhereAt = now;
    for (const [key, instances] of this.byEnvironment) this.expire(key, instances, true);
  }

  private count(namespace: string, delta: number): void {
    this.size += delta;
    const now = (this.perNamespace.get(namespace) ?? 0) + delta;
    if (now === 0) this.perNamespace.delete(namespace);
    else this.perNamespace.set(namespace, now);
  }

  /**
   * Forgets the instances past the TTL. A report sweeps at most once a second per environment, so 1,000 reports a
   * second over 10,000 instances do not walk them all each time; a read always sweeps (it walks them anyway).
   */
  private expire(key: string, instances: Map<string, InstanceRecord>, always: boolean): void {
    const now = this.settings.clock();
    if (!always && now - (this.sweptAt.get(key) ?? 0) < SWEEP_INTERVAL_MS) return;
    this.sweptAt.set(key, now);
    const oldest = now - this.settings.ttlMs;
    for (const [id, record] of instances) {
      if (record.lastSeen >= oldest) continue;
      instances.delete(id);
      this.count(record.namespace, -1);
    }
  }
}

const SWEEP_INTERVAL_MS = 1000;

function keyOf(namespace: string, environment: string): string {
  return `${namespace}\0${environment}`;
}
