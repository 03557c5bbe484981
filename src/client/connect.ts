import { CairnEndpoint, type Fetch } from './cairn-endpoint.js';
import { CairnClientError } from './client-error.js';
import { Follower, type Log, type Outcome, errorText } from './follower.js';
import type { WebSocketClass } from './live-feed.js';
import type { Snapshot, SnapshotCache } from './snapshot.js';
import type { FollowTarget } from './target.js';

/** A document's JSON value, as the server parsed it (YAML documents too). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ConnectOptions {
  /** The Cairn server (http://host:4000). */
  readonly url: string;
  /** A bearer token: an agent token for an environment's instance, a viewer's to follow main. */
  readonly token?: string | null;
  readonly namespace: string;
  /** The environment whose releases to follow; absent: main's head. */
  readonly env?: string | null;
  /** The instance's cluster (its overlay is applied); needed with `env`. */
  readonly cluster?: string | null;
  /** The instance's id; with `env`, what it runs during a rollout and whom reports are about. */
  readonly instance?: string | null;
  readonly labels?: Readonly<Record<string, string>>;
  /** Only documents under this prefix (`flags/`). */
  readonly prefix?: string;
  /** Where the last good snapshot is kept (Node: a file in `cacheDir`; browsers: `localStorage`). */
  readonly cache?: SnapshotCache<JsonValue>;
  /** How long connect() waits for the server when there is no cached snapshot (default 30 s). */
  readonly timeoutMs?: number;
  readonly fetch?: Fetch;
  /** The WebSocket class for the live feed (the browser's own by default; `ws` in Node 20); null: long-poll only. */
  readonly webSocket?: WebSocketClass | null;
  /** Where the library says what it does (default: nowhere). */
  readonly log?: Log;
  readonly heartbeatMs?: number;
  readonly longPollMs?: number;
  /**
   * Whether to report what the instance applied (default true). A page shipped to browsers holds a token anyone can
   * read: give it a viewer token of a namespace made for public flags and `reports: false` (agent tokens may report,
   * and a report can halt a rollout).
   */
  readonly reports?: boolean;
}

/** What a watcher is told with each new value. */
export interface ChangeInfo {
  /** The version now running. */
  readonly version: string;
  /** Every document path that changed in this version (the watched one included). */
  readonly changes: readonly string[];
}

export type Watcher<T> = (value: T | undefined, info: ChangeInfo) => void | Promise<void>;

/** The configuration an application runs, kept up to date. */
export interface CairnConfig {
  /** The version every document below is at (one version for all: never a mix). */
  readonly version: string;
  /** Whether the values were loaded from the cache (the server has not sent another version since). */
  readonly fromCache: boolean;
  /** Whether the live feed is connected (else the library long-polls). */
  readonly live: boolean;
  /** A document's value; undefined when there is none at this path. */
  get<T = JsonValue>(path: string): T | undefined;
  /** Every document path, sorted. */
  paths(): string[];
  /**
   * Calls `watcher` each time the document's value changes (not at once: `get` is the current value). A watcher that
   * throws (or rejects) makes the version reported FAILED, so a rollout in progress halts. Answers a function that
   * stops watching.
   */
  watch<T = JsonValue>(path: string, watcher: Watcher<T>): () => void;
  close(): Promise<void>;
}

/**
 * Connects to Cairn and follows one namespace's configuration, as one instance runs it. Resolves with the cached
 * snapshot at once when there is one (the server may be down: the application starts anyway), else with the
 * server's first answer; rejects when neither comes within `timeoutMs`, or the server refuses (a bad token, an
 * unknown namespace).
 */
export async function connectWith(
  options: ConnectOptions,
  defaults: { cache: SnapshotCache<JsonValue>; webSocket: WebSocketClass | null },
): Promise<CairnConfig> {
  const target = targetOf(options);
  if (target.environment !== null && (target.cluster === null || target.instance === null))
    throw new CairnClientError('INVALID_INPUT', 'env needs cluster and instance: an instance of an environment runs in one of its clusters');
  const config = new FollowedConfig();
  const follower = new Follower<JsonValue>({
    target,
    endpoint: new CairnEndpoint(target, options.fetch),
    format: 'json',
    cache: options.cache ?? defaults.cache,
    apply: (next, cached) => config.apply(next, cached),
    log: options.log ?? (() => {}),
    webSocket: options.webSocket === undefined ? defaults.webSocket : options.webSocket,
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.longPollMs === undefined ? {} : { longPollMs: options.longPollMs }),
    ...(options.reports === undefined ? {} : { reports: options.reports }),
  });
  config.follower = follower;
  if (!(await follower.fromCache())) await firstAnswer(follower, options.timeoutMs ?? 30_000);
  follower.follow();
  return config;
}

/** What the options follow, as the follower and the caches name it. */
export function targetOf(options: ConnectOptions): FollowTarget {
  return {
    url: options.url,
    token: options.token ?? null,
    namespace: options.namespace,
    environment: options.env ?? null,
    cluster: options.cluster ?? null,
    instance: options.instance ?? null,
    labels: options.labels ?? {},
    prefix: options.prefix ?? '',
  };
}

/** The server's first answer, retried while it cannot be reached, up to `timeoutMs`. */
async function firstAnswer(follower: Follower<JsonValue>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      await follower.syncOnce();
      return;
    } catch (error) {
      const retriable = !(error instanceof CairnClientError) || error.retriable;
      if (!retriable || Date.now() + delay > deadline) throw error instanceof CairnClientError ? error : new CairnClientError('UNREACHABLE', errorText(error));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

class FollowedConfig implements CairnConfig {
  follower: Follower<JsonValue> | null = null;
  private current: Snapshot<JsonValue> = { version: '', documents: {} };
  private cached = false;
  private readonly watchers = new Map<string, Set<Watcher<never>>>();

  get version(): string {
    return this.current.version;
  }

  get fromCache(): boolean {
    return this.cached;
  }

  get live(): boolean {
    return this.follower?.live ?? false;
  }

  get<T = JsonValue>(path: string): T | undefined {
    return Object.hasOwn(this.current.documents, path) ? (this.current.documents[path] as T) : undefined;
  }

  paths(): string[] {
    return Object.keys(this.current.documents).sort();
  }

  watch<T = JsonValue>(path: string, watcher: Watcher<T>): () => void {
    let set = this.watchers.get(path);
    if (!set) this.watchers.set(path, (set = new Set()));
    set.add(watcher as Watcher<never>);
    return () => void set.delete(watcher as Watcher<never>);
  }

  async close(): Promise<void> {
    await this.follower?.stop();
  }

  /** Makes `next` current, then tells the watchers of every document it changed; a watcher failing fails the version. */
  async apply(next: Snapshot<JsonValue>, cached: boolean): Promise<Outcome> {
    const before = this.current.documents;
    this.current = next;
    this.cached = cached;
    const paths = new Set([...Object.keys(before), ...Object.keys(next.documents)]);
    const changes = [...paths].filter((path) => JSON.stringify(before[path]) !== JSON.stringify(next.documents[path])).sort();
    const failures: string[] = [];
    for (const path of changes) {
      for (const watcher of this.watchers.get(path) ?? []) {
        try {
          await watcher(next.documents[path] as never, { version: next.version, changes });
        } catch (error) {
          failures.push(`watcher of ${path}: ${errorText(error)}`);
        }
      }
    }
    return failures.length === 0 ? { status: 'APPLIED', message: null } : { status: 'FAILED', message: failures.join('; ').slice(0, 2000) };
  }
}
