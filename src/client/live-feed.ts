// The client entry alone: graphql-ws' main entry also loads its server, and with it the whole graphql package.
import { createClient } from 'graphql-ws/client';
import { Backoff, pause } from './backoff.js';
import { type FollowTarget, baseUrl } from './target.js';

/** What the feed tells its owner: look again now; whether it is connected (else the owner long-polls). */
export interface FeedListener {
  wake(): void;
  connected(up: boolean): void;
  note(text: string, fields?: Record<string, unknown>): void;
}

/** graphql-ws needs a WebSocket class: the browser's own, or the `ws` package in Node 20. */
export type WebSocketClass = unknown;

const ENVIRONMENT_EVENTS = `subscription CairnAgentEnvironment($ns: String!, $env: String!, $since: String) {
  environmentEvents(namespace: $ns, environment: $env, since: $since, kinds: [RELEASE, ROLLOUT]) { kind commit }
}`;
const CHANGES = `subscription CairnAgentChanges($ns: String!, $prefix: String, $since: String) {
  changes(namespace: $ns, pathPrefix: $prefix, since: $since) { version }
}`;

interface FeedEvent {
  readonly environmentEvents?: { kind: string; commit: string | null };
  readonly changes?: { version: string };
}

/** A connection that stayed up this long was worth having: the backoff starts again from its first step. */
const HEALTHY_MS = 10_000;
/** How often the server is pinged, and how long its pong may take before the connection is taken as dead. */
const PING_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;
/** graphql-ws's close code for "Request Timeout": a half-open connection (NAT expiry, a vanished host) is closed. */
const PONG_TIMEOUT_CLOSE = 4408;

/** What the feed needs of the WebSocket graphql-ws opened: closing it. */
interface ClosableSocket {
  readonly readyState: number;
  close(code: number, reason: string): void;
}

/**
 * The live change feed as a wake-up signal: an environment's release and rollout commits (`environmentEvents`), or
 * main's commits (`changes`) for a consumer without an environment. It resumes after any drop with `since` (the last
 * commit it was told of), with backoff and jitter, and says whether it is connected: while it is not, the owner
 * long-polls. What to run is never taken from the feed: a wake-up makes the owner ask the bundle again, so an event
 * missed or repeated costs one request, never a wrong version.
 */
export class LiveFeed {
  private since: string | null;
  private readonly stopped = new AbortController();
  private closeCurrent: (() => void) | null = null;

  constructor(
    private readonly target: FollowTarget,
    private readonly webSocket: WebSocketClass,
    private readonly listener: FeedListener,
    since: string | null,
  ) {
    this.since = since;
  }

  /** Runs until stop(), reconnecting for ever: a consumer outlives any outage of the server. */
  async run(): Promise<void> {
    const backoff = new Backoff(250, 30_000);
    while (!this.stopped.signal.aborted) {
      const started = Date.now();
      const ending = await this.once();
      this.listener.connected(false);
      if (this.stopped.signal.aborted) return;
      if (Date.now() - started >= HEALTHY_MS) backoff.reset();
      const wait = backoff.next();
      this.listener.note('feed connection ended; resuming', { reason: ending, since: this.since, retryInMs: wait });
      await pause(wait, this.stopped.signal);
    }
  }

  stop(): void {
    this.stopped.abort();
    this.closeCurrent?.();
  }

  /** One connection, until it ends; resolves with why. */
  private once(): Promise<string> {
    const { target } = this;
    let opened: ClosableSocket | null = null;
    let pongTimer: ReturnType<typeof setTimeout> | undefined;
    const client = createClient({
      url: `${baseUrl(target).replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: this.webSocket,
      connectionParams: target.token ? { authorization: `Bearer ${target.token}` } : {},
      retryAttempts: 0,
      lazy: true,
      keepAlive: PING_MS,
      on: {
        opened: (socket) => (opened = socket as ClosableSocket),
        // graphql-ws pings but never gives up on a silent server: without this a half-open connection would stay
        // "live" (and the long-poll parked) until TCP gave up, a quarter of an hour later.
        ping: (received) => {
          if (received) return;
          clearTimeout(pongTimer);
          pongTimer = setTimeout(() => {
            if (opened?.readyState === 1) opened.close(PONG_TIMEOUT_CLOSE, 'no pong');
          }, PONG_TIMEOUT_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        // Main's feed has no LIVE event: once connected, whatever happened while it was not is looked at again.
        connected: () => {
          if (target.environment === null) this.live();
        },
      },
    });
    const query =
      target.environment === null
        ? { query: CHANGES, variables: { ns: target.namespace, prefix: target.prefix || null, since: this.since } }
        : { query: ENVIRONMENT_EVENTS, variables: { ns: target.namespace, env: target.environment, since: this.since } };
    return new Promise<string>((resolve) => {
      const unsubscribe = client.subscribe<FeedEvent>(query, {
        next: (value) => {
          if (value.errors?.length) {
            // A `since` the server no longer keeps (or never had): follow from now on; the bundle is asked anyway.
            if (value.errors.some((e) => e.extensions?.code === 'INVALID_REF')) this.since = null;
            resolve(value.errors.map((e) => e.message).join('; '));
          } else if (value.data) this.deliver(value.data);
        },
        error: (error: unknown) => resolve(describe(error)),
        complete: () => resolve('the server ended the subscription'),
      });
      this.closeCurrent = () => {
        unsubscribe();
        resolve('stopped');
      };
    }).finally(() => {
      clearTimeout(pongTimer);
      this.closeCurrent = null;
      // Disposing a client whose connection never opened rejects with that connection's error: already told.
      void Promise.resolve(client.dispose()).catch(() => undefined);
    });
  }

  private deliver(event: FeedEvent): void {
    const environment = event.environmentEvents;
    if (environment) {
      if (environment.kind === 'LIVE') return this.live();
      if (environment.kind === 'INSTANCE') return;
      if (environment.commit) this.since = environment.commit;
    } else if (event.changes) this.since = event.changes.version;
    this.listener.wake();
  }

  private live(): void {
    this.listener.connected(true);
    this.listener.wake();
  }
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const close = error as { code: unknown; reason?: unknown };
    return `closed ${String(close.code)}${close.reason ? ` ${String(close.reason)}` : ''}`;
  }
  if (Array.isArray(error)) return error.map((e: { message?: unknown }) => String(e.message)).join('; ');
  return error instanceof Error ? error.message : 'connection error';
}
