import { Backoff, pause } from './backoff.js';
import type { BundleFormat, CairnEndpoint, ReportStatus } from './cairn-endpoint.js';
import { CairnClientError } from './client-error.js';
import { LiveFeed, type WebSocketClass } from './live-feed.js';
import type { Snapshot, SnapshotCache } from './snapshot.js';
import type { FollowTarget } from './target.js';

/** What applying a snapshot came to: reported to the server as the instance's state. */
export interface Outcome {
  readonly status: ReportStatus;
  /** Why it failed (a command's exit code and the tail of its output); null when it applied. */
  readonly message: string | null;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface FollowerOptions<D> {
  readonly target: FollowTarget;
  readonly endpoint: CairnEndpoint;
  readonly format: BundleFormat;
  readonly cache: SnapshotCache<D>;
  /** Makes `next` the running configuration (from the server, or from the cache at start: `cached`). */
  readonly apply: (next: Snapshot<D>, cached: boolean) => Promise<Outcome>;
  readonly log: Log;
  /** The `ws` package in Node 20; the browser's WebSocket in browsers; null: long-poll only. */
  readonly webSocket: WebSocketClass | null;
  /** How often the instance reports itself alive (within the server's CAIRN_INSTANCE_TTL_SECONDS, 90 s). */
  readonly heartbeatMs?: number;
  /** How long one long-poll is held by the server while the feed is down. */
  readonly longPollMs?: number;
  /** Whether to report applied state (default true; a browser holding a viewer token cannot). */
  readonly reports?: boolean;
}

const DEFAULT_HEARTBEAT_MS = 30_000;
const DEFAULT_LONG_POLL_MS = 30_000;

/**
 * The loop every consumer runs (the agent, the library): start from the last good snapshot on disk at once, then
 * follow the server: woken by the live feed (or long-polling while the feed is down), it asks for the bundle to run
 * (one version for every document, so two versions are never mixed), applies it, keeps it as the last good snapshot
 * when it applied, and reports the outcome, then heartbeats. One reconciliation at a time: wake-ups during one are
 * folded into the next.
 */
export class Follower<D> {
  private current: Snapshot<D> | null = null;
  private lastOutcome: Outcome | null = null;
  private feedUp = false;
  private feedChanged: () => void = () => {};
  private dirty = false;
  private running: Promise<void> | null = null;
  private readonly stopped = new AbortController();
  private readonly retry = new Backoff(500, 30_000);
  private feed: LiveFeed | null = null;
  private readonly loops: Promise<void>[] = [];
  /** False until follow(): a one-shot sync (`--once`) never starts another reconciliation by itself. */
  private following = false;

  constructor(private readonly options: FollowerOptions<D>) {}

  /** The snapshot applied (or tried) last; null before the first. */
  get snapshot(): Snapshot<D> | null {
    return this.current;
  }

  get outcome(): Outcome | null {
    return this.lastOutcome;
  }

  /** Whether the live feed is connected (else the follower long-polls). */
  get live(): boolean {
    return this.feedUp;
  }

  /** Applies the cached snapshot, if one verifies: the consumer serves it before the server answers. */
  async fromCache(): Promise<Snapshot<D> | null> {
    const cached = await this.options.cache.load();
    if (!cached) return null;
    this.current = cached;
    this.lastOutcome = await this.options.apply(cached, true);
    this.options.log('info', 'serving the last good configuration from the cache', { version: cached.version });
    return cached;
  }

  /** One reconciliation, failures thrown (`--once`, a first connect without a cache). */
  async syncOnce(): Promise<Outcome | null> {
    await this.reconcile();
    return this.lastOutcome;
  }

  /** Follows the server until stop(): the feed, the long-poll while the feed is down, the heartbeat. */
  follow(): void {
    this.following = true;
    if (this.options.webSocket !== null) {
      this.feed = new LiveFeed(
        this.options.target,
        this.options.webSocket,
        {
          wake: () => this.wake(),
          connected: (up) => this.setFeed(up),
          note: (text, fields) => this.options.log('debug', text, fields),
        },
        this.options.target.environment === null ? (this.current?.version ?? null) : null,
      );
      this.loops.push(this.feed.run());
    }
    this.loops.push(this.longPoll(), this.heartbeat());
    this.wake();
  }

  /** Look again now (a feed event, a report answering another desired version). */
  wake(): void {
    this.dirty = true;
    this.running ??= this.drain().finally(() => {
      this.running = null;
      // A wake-up that came as the loop was ending is not lost.
      if (this.dirty && !this.stopped.signal.aborted) this.wake();
    });
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    this.feed?.stop();
    this.feedChanged();
    await Promise.allSettled([...this.loops, this.running]);
  }

  private setFeed(up: boolean): void {
    if (up === this.feedUp) return;
    this.options.log('info', up ? 'following the live feed' : 'live feed down: long-polling', {});
    this.feedUp = up;
    this.feedChanged();
  }

  private async drain(): Promise<void> {
    while (this.dirty && !this.stopped.signal.aborted) {
      this.dirty = false;
      try {
        await this.reconcile();
        this.retry.reset();
      } catch (error) {
        const wait = this.retry.next();
        this.options.log(isRetriable(error) ? 'warn' : 'error', 'cannot read the configuration to run; trying again', {
          error: errorText(error),
          retryInMs: wait,
        });
        void pause(wait, this.stopped.signal).then(() => this.stopped.signal.aborted || this.wake());
        return;
      }
    }
  }

  private async reconcile(): Promise<void> {
    const next = await this.options.endpoint.bundle<D>(this.options.format, this.current?.version ?? null, 0, this.stopped.signal);
    if (next === null || next.version === this.current?.version) {
      if (this.current && this.lastOutcome) await this.reportOrLog();
      return;
    }
    this.options.log('info', 'applying a new version', { version: next.version, from: this.current?.version ?? null });
    this.lastOutcome = await this.options.apply(next, false);
    this.current = next;
    if (this.lastOutcome.status === 'APPLIED') await this.options.cache.save(next);
    this.options.log(this.lastOutcome.status === 'APPLIED' ? 'info' : 'error', `version ${this.lastOutcome.status.toLowerCase()}`, {
      version: next.version,
      message: this.lastOutcome.message,
    });
    await this.reportOrLog();
  }

  /**
   * Reports the current outcome; a server answering another desired version wakes the loop (once following). A
   * report that fails is logged, not retried at once: what is applied stays applied, and the heartbeat reports again.
   */
  private async reportOrLog(): Promise<void> {
    if (this.options.reports === false) return;
    try {
      const { current, lastOutcome } = this;
      const desired = await this.options.endpoint.report(
        current?.version ?? null,
        lastOutcome?.status ?? null,
        lastOutcome?.message ?? null,
        this.stopped.signal,
      );
      if (this.following && desired !== null && desired !== this.current?.version) this.wake();
    } catch (error) {
      if (!this.stopped.signal.aborted) this.options.log('warn', 'report not delivered', { error: errorText(error) });
    }
  }

  /**
   * While the feed is down: hold a long-poll on the bundle. An answer is a wake-up like a feed event (the bundle is
   * then asked again by the one reconciliation loop, which keeps applying in order).
   */
  private async longPoll(): Promise<void> {
    const backoff = new Backoff(1_000, 30_000);
    while (!this.stopped.signal.aborted) {
      if (this.feedUp) {
        await new Promise<void>((resolve) => (this.feedChanged = resolve));
        continue;
      }
      const polling = new AbortController();
      this.feedChanged = () => polling.abort();
      try {
        const found = await this.options.endpoint.bundle<D>(
          this.options.format,
          this.current?.version ?? null,
          this.options.longPollMs ?? DEFAULT_LONG_POLL_MS,
          AbortSignal.any([polling.signal, this.stopped.signal]),
        );
        if (found) {
          this.wake();
          await this.running;
        }
        // An answer the reconciliation could not take (it failed) is not asked for again at once.
        if (found && found.version !== this.current?.version) await pause(backoff.next(), this.stopped.signal);
        else backoff.reset();
      } catch (error) {
        if (polling.signal.aborted || this.stopped.signal.aborted) continue;
        await pause(backoff.next(), AbortSignal.any([polling.signal, this.stopped.signal]));
      }
    }
  }

  private async heartbeat(): Promise<void> {
    const every = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    while (!this.stopped.signal.aborted) {
      await pause(every, this.stopped.signal);
      if (this.stopped.signal.aborted || !this.current) continue;
      await this.reportOrLog();
    }
  }
}

function isRetriable(error: unknown): boolean {
  return !(error instanceof CairnClientError) || error.retriable;
}

export function errorText(error: unknown): string {
  if (error instanceof CairnClientError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
