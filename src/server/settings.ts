import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import type { RolloutSettings, WebhookSettings } from '../services/cairn.js';
import type { EtcdDeliverySettings } from '../services/etcd-delivery.js';
import { CLUSTER_SETTINGS, ETCD_SETTINGS, OIDC_SETTINGS, SERVER_SETTINGS } from './setting-declarations.js';
import type { LimitSettings } from './use-limits.js';

/**
 * Everything Cairn reads from the environment. Each field names the variable it comes from; what the variable means
 * and its default are declared once, in setting-declarations.ts (README's configuration table is generated from it).
 */
export interface Settings {
  /** CAIRN_DATA_DIR, resolved against the working directory. */
  readonly dataDir: string;
  /** CAIRN_HOST */
  readonly host: string;
  /** CAIRN_PORT */
  readonly port: number;
  /** CAIRN_TOKENS_FILE, resolved; null: a local development identity on loopback only. */
  readonly tokensFile: string | null;
  /** CAIRN_TLS_CERT, CAIRN_TLS_KEY (resolved), CAIRN_TLS_RELOAD_MS; null: plain HTTP. */
  readonly tls: TlsSettings | null;
  /** CAIRN_TLS_TERMINATED_BY_PROXY */
  readonly tlsTerminatedByProxy: boolean;
  /** CAIRN_TOKENS_WATCH: reload the tokens file when it changes (SIGHUP reloads it either way). */
  readonly tokensWatch: boolean;
  /** CAIRN_SECRETS_KEY_FILE (resolved; null: none) and CAIRN_SECRETS_RECIPIENTS. */
  readonly secrets: { readonly keyFile: string | null; readonly recipients: readonly string[] };
  /** LOG_LEVEL */
  readonly logLevel: string;
  /** CAIRN_FSYNC */
  readonly fsync: boolean;
  /** CAIRN_MAX_DOCUMENT_BYTES */
  readonly maxDocumentBytes: number;
  /** CAIRN_PARSE_THREADS */
  readonly parseThreads: number;
  /** CAIRN_MAX_READ_BYTES */
  readonly maxReadBytes: number;
  /** CAIRN_MAX_BLAME_VALUES, CAIRN_MAX_BLAME_ENTRIES */
  readonly blame: { readonly maxValues: number; readonly maxEntries: number };
  /** CAIRN_MAX_REVERT_LATER_VERSIONS */
  readonly revert: { readonly maxLaterVersions: number };
  /** CAIRN_COMMITTER_NAME, CAIRN_COMMITTER_EMAIL: the committer of every commit (the author is the operator). */
  readonly committer: { readonly name: string; readonly email: string };
  /** CAIRN_REPACK_EVERY */
  readonly repackEvery: number;
  /** CAIRN_MAX_OPEN_PACKS */
  readonly maxOpenPacks: number;
  /** CAIRN_CACHE_MB, in bytes */
  readonly cacheBytes: number;
  /** CAIRN_MAX_COMMIT_BATCH */
  readonly maxCommitBatch: number;
  /** CAIRN_CONSOLE_DIR, resolved. */
  readonly consoleDir: string;
  /** CAIRN_GRAPHIQL */
  readonly graphiql: boolean;
  /** CAIRN_MAX_DEPTH, …; see use-limits.ts. */
  readonly limits: LimitSettings;
  /** CAIRN_MAX_BATCH */
  readonly maxBatch: number;
  /** CAIRN_MAX_BODY_BYTES */
  readonly maxBodyBytes: number;
  /** CAIRN_CORS_ORIGINS */
  readonly corsOrigins: readonly string[];
  /** CAIRN_WEBHOOK_RETRY_SCHEDULE, CAIRN_WEBHOOK_TIMEOUT_MS, CAIRN_WEBHOOK_ALLOW, CAIRN_WEBHOOK_LOG_SIZE */
  readonly webhooks: WebhookSettings;
  /** CAIRN_WEBHOOK_DELIVERY */
  readonly webhookDelivery: boolean;
  /** CAIRN_ROLLOUT_INTERVAL_MS, CAIRN_INSTANCE_TTL_SECONDS, CAIRN_MAX_INSTANCES, CAIRN_MAX_INSTANCES_PER_NAMESPACE */
  readonly rollouts: RolloutSettings;
  /** Running as one of several replicas; null: one process on its own data directory (the default). */
  readonly cluster: ClusterSettings | null;
  /** etcd as a delivery target; null: none (CAIRN_ETCD_ENDPOINTS unset). */
  readonly etcd: EtcdSettings | null;
  /** Single sign-on; null: none (CAIRN_OIDC_ISSUER unset). */
  readonly oidc: OidcSettings | null;
  /** The change feed's slow-subscriber and event-size bounds. */
  readonly feed: FeedSettings;
  /** Who may read /metrics, and how many operation names it keeps apart. */
  readonly metrics: MetricsSettings;
  /** What one WebSocket client may hold: message size, connections, sockets awaiting connection_init, operations. */
  readonly websocket: WebSocketSettings;
  /** CAIRN_SHUTDOWN_DELAY_MS */
  readonly shutdownDelayMs: number;
  /** CAIRN_READY_WAIT_MS */
  readonly readyWaitMs: number;
  /** CAIRN_KEEP_ALIVE_MS */
  readonly keepAliveMs: number;
}

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly reloadMs: number;
}

export interface MetricsSettings {
  /** CAIRN_METRICS_TOKEN; null: /metrics answers loopback clients only, unauthenticated. */
  readonly token: string | null;
  /** CAIRN_METRICS_MAX_OPERATION_NAMES */
  readonly maxOperationNames: number;
}

/** Read only when CAIRN_REMOTE_URL is set. */
export interface ClusterSettings {
  /** CAIRN_REMOTE_URL: each namespace is a branch of it. */
  readonly remoteUrl: string;
  /** CAIRN_REMOTE_USERNAME */
  readonly remoteUsername: string | null;
  /** CAIRN_REMOTE_PASSWORD */
  readonly remotePassword: string | null;
  /** CAIRN_REMOTE_TIMEOUT_MS */
  readonly remoteTimeoutMs: number;
  /** CAIRN_REMOTE_POLL_MS */
  readonly pollMs: number;
  /** CAIRN_REDIS_URL; null: polling only. */
  readonly redisUrl: string | null;
  /** CAIRN_WEBHOOK_LEASE_MS */
  readonly webhookLeaseMs: number;
  /** CAIRN_ROLLOUT_LEASE_MS */
  readonly rolloutLeaseMs: number;
}

/** Read only when CAIRN_ETCD_ENDPOINTS is set. */
export interface EtcdSettings extends EtcdDeliverySettings {
  /** CAIRN_ETCD_ENDPOINTS */
  readonly endpoints: readonly string[];
  /** CAIRN_ETCD_USERNAME, CAIRN_ETCD_PASSWORD; null: no authentication. */
  readonly auth: { readonly username: string; readonly password: string } | null;
  /** CAIRN_ETCD_TIMEOUT_MS */
  readonly timeoutMs: number;
}

/** Read only when CAIRN_OIDC_ISSUER is set. */
export interface OidcSettings {
  /** CAIRN_OIDC_ISSUER */
  readonly issuer: string;
  /** CAIRN_OIDC_AUDIENCE */
  readonly audiences: readonly string[];
  /** CAIRN_OIDC_JWKS_URI; null: from the discovery document. */
  readonly jwksUri: string | null;
  /** CAIRN_OIDC_ROLES, or CAIRN_OIDC_ROLES_FILE resolved: where the group → roles mapping is. */
  readonly roles: { readonly text: string } | { readonly file: string } | null;
  /** CAIRN_OIDC_GROUPS_CLAIM, CAIRN_OIDC_NAME_CLAIM, CAIRN_OIDC_EMAIL_CLAIM */
  readonly claims: { readonly groups: string; readonly name: string; readonly email: string };
  /** CAIRN_OIDC_CLOCK_SKEW_SECONDS */
  readonly clockSkewSeconds: number;
  /** CAIRN_OIDC_JWKS_TIMEOUT_MS */
  readonly jwksTimeoutMs: number;
  /** CAIRN_OIDC_JWKS_COOLDOWN_MS */
  readonly jwksCooldownMs: number;
  /** CAIRN_OIDC_MAX_TOKEN_BYTES */
  readonly maxTokenBytes: number;
  /** CAIRN_OIDC_CONSOLE_CLIENT_ID, CAIRN_OIDC_CONSOLE_SCOPES; null: the console offers token sign-in only. */
  readonly console: { readonly clientId: string; readonly scopes: string } | null;
}

export interface FeedSettings {
  /** CAIRN_FEED_MAX_BUFFERED_EVENTS */
  readonly maxBufferedEvents: number;
  /** CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES */
  readonly maxDocumentEventBytes: number;
  /** CAIRN_FEED_DISCONNECT_GRACE_MS */
  readonly disconnectGraceMs: number;
}

export interface WebSocketSettings {
  /** CAIRN_WS_MAX_PAYLOAD_BYTES */
  readonly maxPayloadBytes: number;
  /** CAIRN_WS_MAX_CONNECTIONS_PER_IP (0: no cap) */
  readonly maxConnectionsPerIp: number;
  /** CAIRN_WS_MAX_PENDING_CONNECTIONS */
  readonly maxPendingConnections: number;
  /** CAIRN_WS_MAX_SUBSCRIPTIONS */
  readonly maxSubscriptions: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function readSettings(env: Env = process.env, cwd = process.cwd()): Settings {
  const s = parsed(SERVER_SETTINGS, env);
  return {
    dataDir: path.resolve(cwd, s.CAIRN_DATA_DIR),
    host: s.CAIRN_HOST,
    port: s.CAIRN_PORT,
    tokensFile: s.CAIRN_TOKENS_FILE === null ? null : path.resolve(cwd, s.CAIRN_TOKENS_FILE),
    tls: readTlsSettings(s.CAIRN_TLS_CERT, s.CAIRN_TLS_KEY, s.CAIRN_TLS_RELOAD_MS, cwd),
    tlsTerminatedByProxy: s.CAIRN_TLS_TERMINATED_BY_PROXY,
    tokensWatch: s.CAIRN_TOKENS_WATCH,
    secrets: { keyFile: s.CAIRN_SECRETS_KEY_FILE === null ? null : path.resolve(cwd, s.CAIRN_SECRETS_KEY_FILE), recipients: s.CAIRN_SECRETS_RECIPIENTS },
    logLevel: s.LOG_LEVEL,
    fsync: s.CAIRN_FSYNC,
    maxDocumentBytes: s.CAIRN_MAX_DOCUMENT_BYTES,
    parseThreads: s.CAIRN_PARSE_THREADS,
    blame: { maxValues: s.CAIRN_MAX_BLAME_VALUES, maxEntries: s.CAIRN_MAX_BLAME_ENTRIES },
    maxReadBytes: s.CAIRN_MAX_READ_BYTES,
    revert: { maxLaterVersions: s.CAIRN_MAX_REVERT_LATER_VERSIONS },
    committer: { name: s.CAIRN_COMMITTER_NAME, email: s.CAIRN_COMMITTER_EMAIL },
    repackEvery: s.CAIRN_REPACK_EVERY,
    maxOpenPacks: s.CAIRN_MAX_OPEN_PACKS,
    cacheBytes: s.CAIRN_CACHE_MB * 1024 * 1024,
    maxCommitBatch: s.CAIRN_MAX_COMMIT_BATCH,
    consoleDir: s.CAIRN_CONSOLE_DIR === null ? defaultConsoleDir() : path.resolve(cwd, s.CAIRN_CONSOLE_DIR),
    graphiql: s.CAIRN_GRAPHIQL,
    limits: {
      maxDepth: s.CAIRN_MAX_DEPTH,
      maxAliases: s.CAIRN_MAX_ALIASES,
      maxCost: s.CAIRN_MAX_COST,
      maxTokens: s.CAIRN_MAX_TOKENS,
      maxDirectives: s.CAIRN_MAX_DIRECTIVES,
      introspection: s.CAIRN_INTROSPECTION,
      production: s.NODE_ENV === 'production',
    },
    maxBatch: s.CAIRN_MAX_BATCH,
    maxBodyBytes: s.CAIRN_MAX_BODY_BYTES,
    corsOrigins: s.CAIRN_CORS_ORIGINS,
    feed: {
      maxBufferedEvents: s.CAIRN_FEED_MAX_BUFFERED_EVENTS,
      maxDocumentEventBytes: s.CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES,
      disconnectGraceMs: s.CAIRN_FEED_DISCONNECT_GRACE_MS,
    },
    metrics: { token: s.CAIRN_METRICS_TOKEN, maxOperationNames: s.CAIRN_METRICS_MAX_OPERATION_NAMES },
    websocket: {
      maxPayloadBytes: s.CAIRN_WS_MAX_PAYLOAD_BYTES,
      maxConnectionsPerIp: s.CAIRN_WS_MAX_CONNECTIONS_PER_IP,
      maxPendingConnections: s.CAIRN_WS_MAX_PENDING_CONNECTIONS,
      maxSubscriptions: s.CAIRN_WS_MAX_SUBSCRIPTIONS,
    },
    shutdownDelayMs: s.CAIRN_SHUTDOWN_DELAY_MS,
    readyWaitMs: s.CAIRN_READY_WAIT_MS,
    keepAliveMs: s.CAIRN_KEEP_ALIVE_MS,
    webhooks: {
      retrySchedule: s.CAIRN_WEBHOOK_RETRY_SCHEDULE,
      timeoutMs: s.CAIRN_WEBHOOK_TIMEOUT_MS,
      allow: s.CAIRN_WEBHOOK_ALLOW,
      logSize: s.CAIRN_WEBHOOK_LOG_SIZE,
    },
    webhookDelivery: s.CAIRN_WEBHOOK_DELIVERY,
    rollouts: {
      intervalMs: s.CAIRN_ROLLOUT_INTERVAL_MS,
      instanceTtlMs: s.CAIRN_INSTANCE_TTL_SECONDS * 1000,
      maxInstances: s.CAIRN_MAX_INSTANCES,
      maxInstancesPerNamespace: s.CAIRN_MAX_INSTANCES_PER_NAMESPACE,
    },
    cluster: readClusterSettings(env),
    etcd: readEtcdSettings(env),
    oidc: readOidcSettings(env, cwd),
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** The most clock disagreement CAIRN_OIDC_CLOCK_SKEW_SECONDS may forgive: more would keep expired tokens alive. */
const MAX_CLOCK_SKEW_SECONDS = 300;

function readOidcSettings(env: Env, cwd: string): OidcSettings | null {
  if (!env.CAIRN_OIDC_ISSUER?.trim()) return null;
  const o = parsed(OIDC_SETTINGS, env);
  const issuer = o.CAIRN_OIDC_ISSUER ?? '';
  const jwksUri = o.CAIRN_OIDC_JWKS_URI;
  for (const [name, url] of [
    ['CAIRN_OIDC_ISSUER', issuer],
    ['CAIRN_OIDC_JWKS_URI', jwksUri],
  ] as const) {
    if (url !== null && !isHttpUrl(url)) throw new Error(`${name} must be an http(s) URL, got '${url}'`);
  }
  if (o.CAIRN_OIDC_AUDIENCE.length === 0) throw new Error('CAIRN_OIDC_ISSUER needs CAIRN_OIDC_AUDIENCE: a token made for another service must not be accepted');
  if (o.CAIRN_OIDC_ROLES !== null && o.CAIRN_OIDC_ROLES_FILE !== null) throw new Error('CAIRN_OIDC_ROLES and CAIRN_OIDC_ROLES_FILE: set one of the two');
  if (o.CAIRN_OIDC_CLOCK_SKEW_SECONDS > MAX_CLOCK_SKEW_SECONDS) {
    throw new Error(`CAIRN_OIDC_CLOCK_SKEW_SECONDS must be at most ${MAX_CLOCK_SKEW_SECONDS}, got ${o.CAIRN_OIDC_CLOCK_SKEW_SECONDS}`);
  }
  return {
    issuer,
    audiences: o.CAIRN_OIDC_AUDIENCE,
    jwksUri,
    roles:
      o.CAIRN_OIDC_ROLES !== null
        ? { text: o.CAIRN_OIDC_ROLES }
        : o.CAIRN_OIDC_ROLES_FILE !== null
          ? { file: path.resolve(cwd, o.CAIRN_OIDC_ROLES_FILE) }
          : null,
    claims: { groups: o.CAIRN_OIDC_GROUPS_CLAIM, name: o.CAIRN_OIDC_NAME_CLAIM, email: o.CAIRN_OIDC_EMAIL_CLAIM },
    clockSkewSeconds: o.CAIRN_OIDC_CLOCK_SKEW_SECONDS,
    jwksTimeoutMs: o.CAIRN_OIDC_JWKS_TIMEOUT_MS,
    jwksCooldownMs: o.CAIRN_OIDC_JWKS_COOLDOWN_MS,
    maxTokenBytes: o.CAIRN_OIDC_MAX_TOKEN_BYTES,
    console: o.CAIRN_OIDC_CONSOLE_CLIENT_ID === null ? null : { clientId: o.CAIRN_OIDC_CONSOLE_CLIENT_ID, scopes: o.CAIRN_OIDC_CONSOLE_SCOPES },
  };
}

function readTlsSettings(certFile: string | null, keyFile: string | null, reloadMs: number, cwd: string): TlsSettings | null {
  if (certFile === null && keyFile === null) return null;
  if (certFile === null || keyFile === null) throw new Error('CAIRN_TLS_CERT and CAIRN_TLS_KEY go together');
  return { certFile: path.resolve(cwd, certFile), keyFile: path.resolve(cwd, keyFile), reloadMs };
}

function readEtcdSettings(env: Env): EtcdSettings | null {
  if (!env.CAIRN_ETCD_ENDPOINTS?.trim()) return null;
  const e = parsed(ETCD_SETTINGS, env);
  if (e.CAIRN_ETCD_ENDPOINTS.length === 0) return null;
  for (const endpoint of e.CAIRN_ETCD_ENDPOINTS) {
    if (!/^https?:\/\/[^/]+\/?$/.test(endpoint)) throw new Error(`CAIRN_ETCD_ENDPOINTS must list http(s)://host:port URLs, got '${endpoint}'`);
  }
  if ((e.CAIRN_ETCD_USERNAME === null) !== (e.CAIRN_ETCD_PASSWORD === null)) {
    throw new Error('CAIRN_ETCD_USERNAME and CAIRN_ETCD_PASSWORD go together');
  }
  return {
    endpoints: e.CAIRN_ETCD_ENDPOINTS,
    auth: e.CAIRN_ETCD_USERNAME !== null && e.CAIRN_ETCD_PASSWORD !== null ? { username: e.CAIRN_ETCD_USERNAME, password: e.CAIRN_ETCD_PASSWORD } : null,
    timeoutMs: e.CAIRN_ETCD_TIMEOUT_MS,
    root: e.CAIRN_ETCD_PREFIX,
    policy: e.CAIRN_ETCD_DRIFT,
    operator: e.CAIRN_ETCD_OPERATOR,
    maxKeys: e.CAIRN_ETCD_MAX_KEYS,
    maxTxnOps: e.CAIRN_ETCD_MAX_TXN_OPS,
    queueLength: e.CAIRN_ETCD_QUEUE,
  };
}

function readClusterSettings(env: Env): ClusterSettings | null {
  if (!env.CAIRN_REMOTE_URL) {
    if (env.CAIRN_REDIS_URL) throw new Error('CAIRN_REDIS_URL needs CAIRN_REMOTE_URL: replicas share their history through the remote');
    return null;
  }
  const c = parsed(CLUSTER_SETTINGS, env);
  return {
    remoteUrl: c.CAIRN_REMOTE_URL,
    remoteUsername: c.CAIRN_REMOTE_USERNAME,
    remotePassword: c.CAIRN_REMOTE_PASSWORD,
    remoteTimeoutMs: c.CAIRN_REMOTE_TIMEOUT_MS,
    pollMs: c.CAIRN_REMOTE_POLL_MS,
    redisUrl: c.CAIRN_REDIS_URL,
    webhookLeaseMs: c.CAIRN_WEBHOOK_LEASE_MS,
    rolloutLeaseMs: c.CAIRN_ROLLOUT_LEASE_MS,
  };
}

/** The declared variables' values, or the first refusal as an Error naming its variable. */
function parsed<T extends z.ZodObject>(declarations: T, env: Env): z.output<T> {
  const result = declarations.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0]);
  // A domain parser's own error (setting-values.ts, parsedBy) is quoted and kept; the settings' rules read as a sentence.
  const cause: unknown = issue?.code === 'custom' ? issue.params?.cause : undefined;
  throw cause instanceof Error ? new Error(`${name}: ${issue?.message}`, { cause }) : new Error(`${name} ${issue?.message}`);
}

/** `npm run build` puts the console in dist/console: two folders up from the bundle (dist/bin) or from src/server (tsx). */
function defaultConsoleDir(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return path.join(root, 'dist', 'console');
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
