import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../domain/retry-schedule.js';
import { parseAllowList } from '../domain/webhook-url.js';
import type { WebhookSettings } from '../services/cairn.js';
import { DEFAULT_MAX_BLAME_ENTRIES, DEFAULT_MAX_BLAME_VALUES } from '../services/blame.js';
import { DEFAULT_PARSE_THREADS } from '../services/document-parser.js';
import type { LimitSettings } from './use-limits.js';

/** Everything Cairn reads from the environment; README lists each variable. */
export interface Settings {
  /** CAIRN_DATA_DIR: where namespace repositories live. @default ./repos */
  readonly dataDir: string;
  /** CAIRN_HOST @default 127.0.0.1 */
  readonly host: string;
  /** CAIRN_PORT (0 picks a free port) @default 4000 */
  readonly port: number;
  /** CAIRN_TOKENS_FILE: bearer tokens and roles; without it, a local development identity on loopback only. */
  readonly tokensFile: string | null;
  /** LOG_LEVEL @default info */
  readonly logLevel: string;
  /** CAIRN_FSYNC: fsync objects, refs and directories before acknowledging a write. @default true */
  readonly fsync: boolean;
  /** CAIRN_MAX_DOCUMENT_BYTES @default 1048576 */
  readonly maxDocumentBytes: number;
  /**
   * CAIRN_PARSE_THREADS: worker threads that parse large documents (YAML over 16 KiB, JSON being written over 256 KiB)
   * off the event loop; 0 parses everything on it. @default available cores - 1, between 1 and 4
   */
  readonly parseThreads: number;
  /**
   * CAIRN_MAX_READ_BYTES: document text one GraphQL request may read, and so parse, diff or blame (a diff across
   * many large documents, a blame through many versions); past it the request answers TooExpensive. @default 64 MiB
   */
  readonly maxReadBytes: number;
  /**
   * CAIRN_MAX_BLAME_VALUES (values one blame reads and compares over all its versions, default 100,000,000) and
   * CAIRN_MAX_BLAME_ENTRIES (leaf values one blame answers, default 25,000): past either, TooExpensive.
   */
  readonly blame: { readonly maxValues: number; readonly maxEntries: number };
  /** CAIRN_COMMITTER_NAME / CAIRN_COMMITTER_EMAIL: the committer of every commit (the author is the operator). */
  readonly committer: { readonly name: string; readonly email: string };
  /** CAIRN_REPACK_EVERY: pack loose objects with `git repack -d` every N commits of a namespace (0: never). @default 0 */
  readonly repackEvery: number;
  /** CAIRN_CONSOLE_DIR: the built web console served at `/`. @default dist/console (next to the built server) */
  readonly consoleDir: string;
  /** CAIRN_GRAPHIQL: serve GraphiQL at /graphql to browsers. @default true */
  readonly graphiql: boolean;
  /** GraphQL limits (CAIRN_MAX_DEPTH, …); see use-limits.ts. */
  readonly limits: LimitSettings;
  /** CAIRN_MAX_BATCH: operations in one batched HTTP request. @default 10 */
  readonly maxBatch: number;
  /** CAIRN_MAX_BODY_BYTES: largest HTTP request body. @default 16 MiB */
  readonly maxBodyBytes: number;
  /** CAIRN_CORS_ORIGINS: browser origins allowed cross-origin (HTTP CORS and WebSocket Origin), comma-separated. @default none */
  readonly corsOrigins: readonly string[];
  /**
   * Webhook delivery: CAIRN_WEBHOOK_RETRY_SCHEDULE (delays between attempts, default 5s,5m,30m,2h,5h,10h,10h),
   * CAIRN_WEBHOOK_TIMEOUT_MS (per attempt, default 15000), CAIRN_WEBHOOK_ALLOW (hosts/CIDRs exempt from the SSRF
   * guard, comma-separated, default none), CAIRN_WEBHOOK_LOG_SIZE (attempts kept per webhook, default 1000).
   */
  readonly webhooks: WebhookSettings;
  /**
   * CAIRN_WEBHOOK_DELIVERY: whether this process delivers webhooks. Replicas sharing Redis elect one deliverer
   * among those with it on; replicas without Redis should have it on in exactly one. @default true
   */
  readonly webhookDelivery: boolean;
  /** Running as one of several replicas; null: one process on its own data directory (the default). */
  readonly cluster: ClusterSettings | null;
  /** The change feed's slow-subscriber and event-size bounds. */
  readonly feed: FeedSettings;
  /** Who may read /metrics, and how many operation names it keeps apart. */
  readonly metrics: MetricsSettings;
  /** What one WebSocket client may hold: message size, connections, sockets awaiting connection_init, operations. */
  readonly websocket: WebSocketSettings;
  /**
   * CAIRN_SHUTDOWN_DELAY_MS: on SIGTERM, how long /readyz answers 503 while everything is still served, so load
   * balancers stop sending requests before connections are refused. @default 0
   */
  readonly shutdownDelayMs: number;
  /**
   * CAIRN_READY_WAIT_MS: how long a GraphQL request or WebSocket upgrade that arrives while the server starts
   * waits for it to be ready before being answered 503 NOT_READY. @default 30000
   */
  readonly readyWaitMs: number;
}

export interface MetricsSettings {
  /** CAIRN_METRICS_TOKEN: bearer token /metrics requires; null: /metrics answers loopback clients only, unauthenticated. */
  readonly token: string | null;
  /** CAIRN_METRICS_MAX_OPERATION_NAMES: distinct GraphQL operation names labelled apart; later new ones count as `(other)`. @default 100 */
  readonly maxOperationNames: number;
}

export interface ClusterSettings {
  /** CAIRN_REMOTE_URL: the shared Git repository (smart HTTP); each namespace is a branch of it. */
  readonly remoteUrl: string;
  /** CAIRN_REMOTE_USERNAME / CAIRN_REMOTE_PASSWORD: HTTP basic credentials for the remote (a token as password). */
  readonly remoteUsername: string | null;
  readonly remotePassword: string | null;
  /** CAIRN_REMOTE_TIMEOUT_MS: longest wait for one exchange with the remote. @default 30000 */
  readonly remoteTimeoutMs: number;
  /** CAIRN_REMOTE_POLL_MS: how often every namespace is compared with the remote (0: never). @default 5000 */
  readonly pollMs: number;
  /** CAIRN_REDIS_URL: Redis carrying "namespace moved" announcements between replicas; null: polling only. */
  readonly redisUrl: string | null;
  /** CAIRN_WEBHOOK_LEASE_MS: with Redis, how long the replica delivering webhooks holds its lease. @default 15000 */
  readonly webhookLeaseMs: number;
}

export interface FeedSettings {
  /** CAIRN_FEED_MAX_BUFFERED_EVENTS: undelivered events per subscription before the subscriber is disconnected. @default 10000 */
  readonly maxBufferedEvents: number;
  /** CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES: per document, above this many bytes of changes, patch and contents an event says tooLarge. @default 262144 */
  readonly maxDocumentEventBytes: number;
  /** CAIRN_FEED_DISCONNECT_GRACE_MS: how long a disconnected slow subscriber may take to read what was sent and the reason before its connection is dropped. @default 30000 */
  readonly disconnectGraceMs: number;
}

export interface WebSocketSettings {
  /**
   * CAIRN_WS_MAX_PAYLOAD_BYTES: largest message a WebSocket client may send, counted across fragments; a larger one
   * closes the socket with 1009 as soon as its length is known, before it is buffered. @default 1048576
   */
  readonly maxPayloadBytes: number;
  /**
   * CAIRN_WS_MAX_CONNECTIONS_PER_IP: open WebSockets per client address (an IPv6 client: per /64), as the TCP
   * peer is seen (no X-Forwarded-For); one more upgrade is answered 429. 0: no cap. @default 64
   */
  readonly maxConnectionsPerIp: number;
  /**
   * CAIRN_WS_MAX_PENDING_CONNECTIONS: WebSockets, server-wide, that have not sent connection_init yet; one more
   * closes the oldest of them with 1013. @default 256
   */
  readonly maxPendingConnections: number;
  /**
   * CAIRN_WS_MAX_SUBSCRIPTIONS: operations open at once on one WebSocket (subscriptions, and queries or mutations
   * sent over it); one more is answered with an error TOO_MANY_SUBSCRIPTIONS. @default 32
   */
  readonly maxSubscriptions: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return !['0', 'false', 'off', 'no'].includes(value.toLowerCase());
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative integer, got '${value}'`);
  return parsed;
}

function positive(name: string, value: number): number {
  if (value < 1) throw new Error(`${name} must be at least 1, got ${value}`);
  return value;
}

export function readSettings(env: Env = process.env, cwd = process.cwd()): Settings {
  return {
    dataDir: path.resolve(cwd, env.CAIRN_DATA_DIR || 'repos'),
    host: env.CAIRN_HOST || '127.0.0.1',
    port: integer('CAIRN_PORT', env.CAIRN_PORT, 4000),
    tokensFile: env.CAIRN_TOKENS_FILE ? path.resolve(cwd, env.CAIRN_TOKENS_FILE) : null,
    logLevel: env.LOG_LEVEL || 'info',
    fsync: flag(env.CAIRN_FSYNC, true),
    maxDocumentBytes: integer('CAIRN_MAX_DOCUMENT_BYTES', env.CAIRN_MAX_DOCUMENT_BYTES, 1024 * 1024),
    parseThreads: integer('CAIRN_PARSE_THREADS', env.CAIRN_PARSE_THREADS, DEFAULT_PARSE_THREADS),
    blame: {
      maxValues: positive('CAIRN_MAX_BLAME_VALUES', integer('CAIRN_MAX_BLAME_VALUES', env.CAIRN_MAX_BLAME_VALUES, DEFAULT_MAX_BLAME_VALUES)),
      maxEntries: positive('CAIRN_MAX_BLAME_ENTRIES', integer('CAIRN_MAX_BLAME_ENTRIES', env.CAIRN_MAX_BLAME_ENTRIES, DEFAULT_MAX_BLAME_ENTRIES)),
    },
    maxReadBytes: positive('CAIRN_MAX_READ_BYTES', integer('CAIRN_MAX_READ_BYTES', env.CAIRN_MAX_READ_BYTES, 64 * 1024 * 1024)),
    committer: { name: env.CAIRN_COMMITTER_NAME || 'Cairn', email: env.CAIRN_COMMITTER_EMAIL || 'cairn@localhost' },
    repackEvery: integer('CAIRN_REPACK_EVERY', env.CAIRN_REPACK_EVERY, 0),
    consoleDir: env.CAIRN_CONSOLE_DIR ? path.resolve(cwd, env.CAIRN_CONSOLE_DIR) : defaultConsoleDir(),
    graphiql: flag(env.CAIRN_GRAPHIQL, true),
    limits: {
      maxDepth: integer('CAIRN_MAX_DEPTH', env.CAIRN_MAX_DEPTH, 10),
      maxAliases: integer('CAIRN_MAX_ALIASES', env.CAIRN_MAX_ALIASES, 15),
      maxCost: integer('CAIRN_MAX_COST', env.CAIRN_MAX_COST, 5000),
      maxTokens: integer('CAIRN_MAX_TOKENS', env.CAIRN_MAX_TOKENS, 2000),
      maxDirectives: integer('CAIRN_MAX_DIRECTIVES', env.CAIRN_MAX_DIRECTIVES, 50),
      introspection: flag(env.CAIRN_INTROSPECTION, true),
      production: env.NODE_ENV === 'production',
    },
    maxBatch: integer('CAIRN_MAX_BATCH', env.CAIRN_MAX_BATCH, 10),
    maxBodyBytes: integer('CAIRN_MAX_BODY_BYTES', env.CAIRN_MAX_BODY_BYTES, 16 * 1024 * 1024),
    corsOrigins: (env.CAIRN_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    feed: {
      maxBufferedEvents: positive('CAIRN_FEED_MAX_BUFFERED_EVENTS', integer('CAIRN_FEED_MAX_BUFFERED_EVENTS', env.CAIRN_FEED_MAX_BUFFERED_EVENTS, 10_000)),
      maxDocumentEventBytes: integer('CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES', env.CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES, 256 * 1024),
      disconnectGraceMs: positive('CAIRN_FEED_DISCONNECT_GRACE_MS', integer('CAIRN_FEED_DISCONNECT_GRACE_MS', env.CAIRN_FEED_DISCONNECT_GRACE_MS, 30_000)),
    },
    metrics: {
      token: env.CAIRN_METRICS_TOKEN || null,
      maxOperationNames: integer('CAIRN_METRICS_MAX_OPERATION_NAMES', env.CAIRN_METRICS_MAX_OPERATION_NAMES, 100),
    },
    websocket: readWebSocketSettings(env),
    shutdownDelayMs: integer('CAIRN_SHUTDOWN_DELAY_MS', env.CAIRN_SHUTDOWN_DELAY_MS, 0),
    readyWaitMs: integer('CAIRN_READY_WAIT_MS', env.CAIRN_READY_WAIT_MS, 30_000),
    webhooks: readWebhookSettings(env),
    webhookDelivery: flag(env.CAIRN_WEBHOOK_DELIVERY, true),
    cluster: readClusterSettings(env),
  };
}

function readWebhookSettings(env: Env): WebhookSettings {
  const parsed = <T>(name: string, parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
    }
  };
  const timeoutMs = integer('CAIRN_WEBHOOK_TIMEOUT_MS', env.CAIRN_WEBHOOK_TIMEOUT_MS, 15_000);
  const logSize = integer('CAIRN_WEBHOOK_LOG_SIZE', env.CAIRN_WEBHOOK_LOG_SIZE, 1000);
  if (timeoutMs === 0) throw new Error('CAIRN_WEBHOOK_TIMEOUT_MS must be positive');
  if (logSize === 0) throw new Error('CAIRN_WEBHOOK_LOG_SIZE must be positive');
  return {
    retrySchedule: parsed('CAIRN_WEBHOOK_RETRY_SCHEDULE', () => parseRetrySchedule(env.CAIRN_WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_RETRY_SCHEDULE)),
    timeoutMs,
    allow: parsed('CAIRN_WEBHOOK_ALLOW', () => parseAllowList((env.CAIRN_WEBHOOK_ALLOW ?? '').split(','))),
    logSize,
  };
}

function readWebSocketSettings(env: Env): WebSocketSettings {
  const counted = (name: string, fallback: number): number => positive(name, integer(name, env[name], fallback));
  return {
    maxPayloadBytes: counted('CAIRN_WS_MAX_PAYLOAD_BYTES', 1024 * 1024),
    maxConnectionsPerIp: integer('CAIRN_WS_MAX_CONNECTIONS_PER_IP', env.CAIRN_WS_MAX_CONNECTIONS_PER_IP, 64),
    maxPendingConnections: counted('CAIRN_WS_MAX_PENDING_CONNECTIONS', 256),
    maxSubscriptions: counted('CAIRN_WS_MAX_SUBSCRIPTIONS', 32),
  };
}

function readClusterSettings(env: Env): ClusterSettings | null {
  if (!env.CAIRN_REMOTE_URL) {
    if (env.CAIRN_REDIS_URL) throw new Error('CAIRN_REDIS_URL needs CAIRN_REMOTE_URL: replicas share their history through the remote');
    return null;
  }
  const url = new URL(env.CAIRN_REMOTE_URL);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`CAIRN_REMOTE_URL must be an http(s) URL, got '${url.protocol}'`);
  return {
    remoteUrl: env.CAIRN_REMOTE_URL,
    remoteUsername: env.CAIRN_REMOTE_USERNAME || null,
    remotePassword: env.CAIRN_REMOTE_PASSWORD || null,
    remoteTimeoutMs: integer('CAIRN_REMOTE_TIMEOUT_MS', env.CAIRN_REMOTE_TIMEOUT_MS, 30_000),
    pollMs: integer('CAIRN_REMOTE_POLL_MS', env.CAIRN_REMOTE_POLL_MS, 5_000),
    redisUrl: env.CAIRN_REDIS_URL || null,
    webhookLeaseMs: positive('CAIRN_WEBHOOK_LEASE_MS', integer('CAIRN_WEBHOOK_LEASE_MS', env.CAIRN_WEBHOOK_LEASE_MS, 15_000)),
  };
}

/** `npm run build` puts the console in dist/console, beside dist/src: found from the built server or from src/ (tsx). */
function defaultConsoleDir(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return path.basename(root) === 'dist' ? path.join(root, 'console') : path.join(root, 'dist', 'console');
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
