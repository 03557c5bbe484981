import { type PublishedMark, environmentPrefix, formatMark, parseMark, versionKeyOf } from '../domain/etcd-keys.js';
import { TooExpensiveError } from '../domain/errors.js';
import type { GitRepository, LoggedCommit } from '../git/repository.js';
import type { RepositoryStore } from '../git/repository-store.js';
import { type EtcdContents, publishedVersionOf } from './etcd-contents.js';
import { type EtcdPort, EtcdUnavailableError } from './etcd-port.js';
import type { Logger } from './logger.js';
import { releaseLog } from './release-log.js';

export interface PublisherOptions {
  /** CAIRN_ETCD_PREFIX */
  readonly root: string;
  /** CAIRN_ETCD_MAX_TXN_OPS: operations one transaction may carry (etcd's own --max-txn-ops). */
  readonly maxTxnOps: number;
  /** CAIRN_ETCD_MAX_KEYS */
  readonly maxKeys: number;
  /** CAIRN_ETCD_QUEUE: publications one environment may have waiting. */
  readonly queueLength: number;
  readonly clock: () => Date;
}

/** How an environment's publications stand on this replica. */
export interface PublicationStatus {
  /** Publications waiting (etcd unreachable, or one in flight). */
  readonly pending: number;
  /** Why the last attempt failed; null once one succeeded. */
  readonly lastError: string | null;
  /** The last publication this replica made: what it put in the version key, at which etcd revision. */
  readonly lastPublished: { readonly mark: PublishedMark; readonly revision: number } | null;
}

/** A publication that loses the compare-and-swap this many times in a row is tried again later, as if etcd were down. */
const MAX_CAS_ATTEMPTS = 5;
/** Retries of an unreachable etcd back off from the first delay to the last, doubling. */
const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

interface EnvironmentQueue {
  readonly namespace: string;
  readonly environment: string;
  /** Release-branch commits to publish, oldest first; the first one is in flight while `running`. */
  readonly tips: string[];
  running: boolean;
  failures: number;
  lastError: string | null;
  lastPublished: PublicationStatus['lastPublished'];
}

/**
 * Publishes environments to etcd: every move of a release branch (a release, a rollout step, a rollback, one pulled
 * from another replica) queues the branch's new tip, and each environment's queue is published in order, one at a
 * time, in the background (a release never waits for etcd). Each publication is ONE transaction that makes the
 * environment's prefix hold exactly its published documents and the version key, compare-and-swapped on the version
 * key's modification revision: two replicas publishing at once cannot interleave, and the loser reads again. When
 * etcd already holds this publication or a later one, it does nothing. While etcd is unreachable, publications wait
 * and are retried with backoff; a queue longer than CAIRN_ETCD_QUEUE drops its oldest waiting entries (a later
 * publication carries the whole state, so nothing is lost but intermediate states).
 */
export class EtcdPublisher {
  private readonly queues = new Map<string, EnvironmentQueue>();
  private readonly sleeping = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly port: EtcdPort,
    private readonly store: RepositoryStore,
    private readonly contents: EtcdContents,
    private readonly options: PublisherOptions,
    private readonly logger: Logger,
    /** Told once an environment's queue has been published (or found superseded): its drift is checked again. */
    private readonly settled: (namespace: string, environment: string) => void,
  ) {}

  enqueue(namespace: string, environment: string, tip: string): void {
    if (this.stopped) return;
    const key = `${namespace}\0${environment}`;
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { namespace, environment, tips: [], running: false, failures: 0, lastError: null, lastPublished: null };
      this.queues.set(key, queue);
    }
    if (queue.tips.at(-1) === tip) return;
    queue.tips.push(tip);
    // The oldest waiting entries go first; the one in flight stays.
    while (queue.tips.length > this.options.queueLength) queue.tips.splice(queue.running ? 1 : 0, 1);
    if (!queue.running) void this.drain(queue);
  }

  status(namespace: string, environment: string): PublicationStatus {
    const queue = this.queues.get(`${namespace}\0${environment}`);
    return { pending: queue?.tips.length ?? 0, lastError: queue?.lastError ?? null, lastPublished: queue?.lastPublished ?? null };
  }

  /** Stops publishing: waiting retries end, the publication in flight finishes. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.sleeping) wake();
  }

  private async drain(queue: EnvironmentQueue): Promise<void> {
    queue.running = true;
    try {
      while (!this.stopped && queue.tips.length > 0) {
        const tip = queue.tips[0]!;
        try {
          await this.publish(queue, tip);
          queue.failures = 0;
          queue.lastError = null;
          queue.tips.shift();
          if (queue.tips.length === 0) this.settled(queue.namespace, queue.environment);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          queue.lastError = message;
          const context = { namespace: queue.namespace, environment: queue.environment, release: tip };
          if (error instanceof EtcdUnavailableError) {
            queue.failures += 1;
            // Logged when it starts failing and then every tenth attempt, not at every retry of a long outage.
            if (queue.failures % 10 === 1) this.logger.warn({ ...context, err: error, attempts: queue.failures }, 'etcd unreachable: the publication waits');
            await this.sleep(Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(queue.failures - 1, 10)));
          } else {
            // The configuration's own problem at that commit: trying again would fail again. The next release is published.
            this.logger.error({ ...context, err: error }, 'this release cannot be published to etcd');
            queue.tips.shift();
          }
        }
      }
    } finally {
      queue.running = false;
    }
  }

  private async publish(queue: EnvironmentQueue, tip: string): Promise<void> {
    const { namespace, environment } = queue;
    const repo = await this.store.get(namespace);
    if (!repo) return;
    const log = await releaseLog(repo, environment, Number.POSITIVE_INFINITY, tip);
    const version = publishedVersionOf(log);
    if (!version) return;
    const prefix = environmentPrefix(this.options.root, namespace, environment);
    const versionKey = versionKeyOf(this.options.root, namespace, environment);
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt += 1) {
      const range = await this.port.range(prefix, this.options.maxKeys * 2);
      if (range.more) throw new TooExpensiveError('CAIRN_ETCD_MAX_KEYS', `etcd holds more than ${this.options.maxKeys * 2} keys under ${prefix}`);
      const markEntry = range.entries.find((e) => e.key === versionKey);
      const held = markEntry ? parseMark(markEntry.value) : null;
      if (held) {
        if (held.release === tip) return;
        // etcd holds a later release (another replica published it), or one this replica has not pulled yet.
        if ((await orderOf(repo, environment, held.release, log)) !== 'older') return;
        // What etcd holds stays (a rollout step publishes nothing new): edits of it are the drift watch's business.
        if (held.version === version) return;
      }
      const documents = await this.contents.documents(repo, environment, version);
      const put = new Map<string, string>();
      for (const document of documents.values()) {
        if (range.entries.find((e) => e.key === document.key)?.value !== document.text) put.set(document.key, document.text);
      }
      const remove = range.entries.filter((e) => e.key !== versionKey && !documents.has(e.key)).map((e) => e.key);
      if (put.size + remove.length + 1 > this.options.maxTxnOps) {
        throw new TooExpensiveError(
          'CAIRN_ETCD_MAX_TXN_OPS',
          `publishing ${version.slice(0, 12)} to ${prefix} takes ${put.size + remove.length + 1} operations in one etcd transaction`,
        );
      }
      const mark = { version, release: tip, publishedAt: this.options.clock().toISOString() };
      put.set(versionKey, formatMark(mark));
      const result = await this.port.txn({ compare: new Map([[versionKey, markEntry?.modRevision ?? 0]]), put, delete: remove });
      if (result.succeeded) {
        queue.lastPublished = { mark, revision: result.revision };
        this.logger.info(
          { namespace, environment, version, release: tip, revision: result.revision, keys: put.size - 1, deleted: remove.length },
          'published to etcd',
        );
        return;
      }
    }
    throw new EtcdUnavailableError(`another writer moved ${versionKey} ${MAX_CAS_ATTEMPTS} times while this replica published`);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleeping.add(wake);
    });
  }
}

/**
 * Where the release etcd holds (`held`) stands against the one being published (`log`, from its tip): `older` when it
 * is in the tip's history (or is no release of this branch at all), `later` when the tip is in its history, `unknown`
 * when this replica does not have it (another replica is ahead: its pull will publish, or find etcd up to date).
 */
async function orderOf(repo: GitRepository, environment: string, held: string, log: readonly LoggedCommit[]): Promise<'older' | 'later' | 'unknown'> {
  if (log.some((c) => c.oid === held)) return 'older';
  let fromHeld: readonly LoggedCommit[];
  try {
    fromHeld = await releaseLog(repo, environment, Number.POSITIVE_INFINITY, held);
  } catch {
    return 'unknown';
  }
  const tip = log[0]?.oid;
  return fromHeld.some((c) => c.oid === tip) ? 'later' : 'older';
}
