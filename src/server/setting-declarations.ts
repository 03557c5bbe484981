import { z } from 'zod';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../domain/document-codec.js';
import { parseDriftPolicy } from '../domain/etcd-drift.js';
import { validateEtcdRoot } from '../domain/etcd-keys.js';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../domain/retry-schedule.js';
import { parseAllowList } from '../domain/webhook-url.js';
import { DEFAULT_MAX_BLAME_ENTRIES, DEFAULT_MAX_BLAME_VALUES } from '../services/blame.js';
import { DEFAULT_ROLLOUT_SETTINGS, DEFAULT_WEBHOOK_SETTINGS } from '../services/cairn.js';
import { DEFAULT_MAX_REVERT_LATER_VERSIONS } from '../services/revert-conflict.js';
import { DEFAULT_FEED_OPTIONS } from '../services/change-feed.js';
import { MAX_EVENT_DOCUMENT_BYTES } from '../services/change-event.js';
import { DEFAULT_PARSE_THREADS } from '../services/document-parser.js';
import { DEFAULT_CACHE_BYTES } from '../git/cache-budget.js';
import { DEFAULT_MAX_OPEN_PACKS } from '../git/pack-handles.js';
import { atLeastOne, count, flag, httpUrl, list, optionalText, parsedBy, text } from './setting-values.js';

/**
 * Every environment variable the server reads, declared once: its kind of value, its default and what it means.
 * readSettings (settings.ts) parses the environment with these; README's configuration table is generated from them
 * (`npm run docs:settings`), and a test fails while it differs. Where a service has a default of its own (used when
 * it is built without settings), the declaration takes that value rather than repeating it.
 */
export const SERVER_SETTINGS = z.object({
  CAIRN_DATA_DIR: text('repos').describe('where namespace repositories live (`<name>.git`, bare)'),
  CAIRN_HOST: text('127.0.0.1').describe('listen address (non-loopback needs a tokens file or single sign-on, and TLS or `CAIRN_TLS_TERMINATED_BY_PROXY`)'),
  CAIRN_PORT: count(4000).describe('listen port (`0`: any free port)'),
  CAIRN_TOKENS_FILE: optionalText().describe('bearer tokens and roles (see above); without it, a local development identity on loopback only'),
  CAIRN_TLS_CERT: optionalText().describe(
    'PEM certificate (chain) file: with `CAIRN_TLS_KEY`, Cairn serves HTTPS and WSS on `CAIRN_PORT` and sends HSTS; both files are reloaded when they change (docs/security.md, "TLS")',
  ),
  CAIRN_TLS_KEY: optionalText().describe('PEM private key file of `CAIRN_TLS_CERT`'),
  CAIRN_TLS_RELOAD_MS: atLeastOne(5_000).describe(
    'how often the certificate and key files are checked for a change; a new pair that does not load (or whose key does not match) is logged and the old pair kept',
  ),
  CAIRN_TLS_TERMINATED_BY_PROXY: flag(false).describe(
    'a proxy in front terminates TLS: lets Cairn listen on a non-loopback `CAIRN_HOST` over plain HTTP (without it, and without `CAIRN_TLS_CERT`, Cairn refuses to)',
  ),
  CAIRN_TOKENS_WATCH: flag(true).describe('read the tokens file again as soon as it changes (SIGHUP reloads it either way)'),
  CAIRN_SECRETS_KEY_FILE: optionalText().describe(
    'age identity file (`age-keygen` format) that encrypts and decrypts the values namespace policies mark secret (see Secrets); missing or unreadable: the server refuses to start; unset: writes of secret values are refused',
  ),
  CAIRN_SECRETS_RECIPIENTS: list().describe(
    'further age recipients (`age1...`, comma-separated) every secret value is also encrypted to, e.g. an offline recovery key',
  ),
  CAIRN_FSYNC: flag(true).describe('fsync objects, ref and directories before acknowledging a write'),
  CAIRN_MAX_DOCUMENT_BYTES: count(DEFAULT_MAX_DOCUMENT_BYTES).describe('largest document accepted'),
  CAIRN_PARSE_THREADS: count(DEFAULT_PARSE_THREADS)
    .describe('worker threads that parse large documents (YAML over 16 KiB; JSON being written over 256 KiB) off the event loop; `0` parses everything on it')
    .meta({ shownDefault: 'cores − 1, from 1 to 4' }),
  CAIRN_MAX_READ_BYTES: atLeastOne(64 * 1024 * 1024).describe(
    'document text one GraphQL request may read, and so parse, diff or blame (a diff across many large documents, a blame through many versions); past it the request answers `TooExpensive`',
  ),
  CAIRN_MAX_BLAME_VALUES: atLeastOne(DEFAULT_MAX_BLAME_VALUES).describe(
    'values one blame may read and compare over all the versions it walks; past it `TooExpensive`',
  ),
  CAIRN_MAX_BLAME_ENTRIES: atLeastOne(DEFAULT_MAX_BLAME_ENTRIES).describe(
    'leaf values one blame may answer; past it `TooExpensive` (blame a subtree with `pointer`)',
  ),
  CAIRN_MAX_REVERT_LATER_VERSIONS: atLeastOne(DEFAULT_MAX_REVERT_LATER_VERSIONS).describe(
    "later versions a revert's conflict detail reads, all its documents together (which versions changed each conflicting value); past it the detail lists the newest and says `truncated`",
  ),
  CAIRN_COMMITTER_NAME: text('Cairn').describe('committer name of every commit (the author is the operator)'),
  CAIRN_COMMITTER_EMAIL: text('cairn@localhost').describe('committer email of every commit'),
  CAIRN_REPACK_EVERY: count(0).describe(
    "pack loose objects with `git repack -d` every N commits of a namespace (`0`: never; needs the git CLI; runs in the namespace's write lock, never during a write)",
  ),
  CAIRN_MAX_OPEN_PACKS: atLeastOne(DEFAULT_MAX_OPEN_PACKS).describe(
    'pack files open at once, all namespaces together (the least recently read is closed, and reopened when read again): file descriptors stay bounded whatever the number of namespaces',
  ),
  CAIRN_CACHE_MB: count(DEFAULT_CACHE_BYTES / (1024 * 1024)).describe(
    'megabytes (estimated) of parsed Git objects and decoded history kept in memory, all namespaces together: one least-recently-used budget, whatever the number of namespaces',
  ),
  CAIRN_MAX_COMMIT_BATCH: count(32).describe(
    "group commit: most commits of one namespace's main written together (one pack, one ref move, one round of fsyncs) while the writes queued behind them are checked; each write is answered once its batch is on disk. It engages only while writers queue on the namespace (and for a second after its last batch): a lone writer's commit is written on its own, and Node's promise hooks that batches need (they cost every await of the process) are off between bursts (`0`: each commit always written on its own; namespaces replicated through a shared remote always are, each commit is pushed first)",
  ),
  CAIRN_GRAPHIQL: flag(true).describe('serve GraphiQL to browsers at `/graphql`'),
  CAIRN_MAX_DEPTH: count(10).describe('deepest selection in one GraphQL operation (graphql-armor, like the four below; over HTTP and WebSocket alike)'),
  CAIRN_MAX_ALIASES: count(15).describe('aliases in one operation'),
  CAIRN_MAX_COST: count(5000).describe("graphql-armor's static cost of one operation"),
  CAIRN_MAX_TOKENS: count(2000).describe('lexer tokens in one GraphQL document'),
  CAIRN_MAX_DIRECTIVES: count(50).describe('directives in one operation'),
  CAIRN_MAX_BATCH: count(10).describe('operations in one batched HTTP request'),
  CAIRN_MAX_BODY_BYTES: count(16 * 1024 * 1024).describe(
    'largest request body, whether it has a content-length or is sent chunked (larger: 413 `PAYLOAD_TOO_LARGE`; the rest of a refused body is read and dropped for up to 10 s, so the client receives the answer)',
  ),
  CAIRN_INTROSPECTION: flag(true).describe('allow schema introspection (GraphiQL and codegen need it)'),
  CAIRN_CORS_ORIGINS: list().describe('browser origins allowed cross-origin (CORS and WebSocket `Origin`), comma-separated; by default same-origin only'),
  CAIRN_WEBHOOK_RETRY_SCHEDULE: parsedBy(parseRetrySchedule, DEFAULT_RETRY_SCHEDULE).describe(
    'delays before each retry of a failed webhook delivery (`ms`, `s`, `m`, `h`, `d`), ±20% jitter; attempts = delays + 1; set and empty: no retries',
  ),
  CAIRN_WEBHOOK_TIMEOUT_MS: atLeastOne(DEFAULT_WEBHOOK_SETTINGS.timeoutMs).describe('deadline of one delivery attempt (connect, send, response)'),
  CAIRN_WEBHOOK_ALLOW: parsedBy((entries) => parseAllowList(entries.split(',')), '').describe(
    'comma-separated CIDRs, addresses or host names exempt from the webhook SSRF guard (e.g. `127.0.0.1/32` for tests)',
  ),
  CAIRN_WEBHOOK_LOG_SIZE: atLeastOne(DEFAULT_WEBHOOK_SETTINGS.logSize).describe('delivery attempts kept per webhook'),
  CAIRN_ROLLOUT_INTERVAL_MS: atLeastOne(DEFAULT_ROLLOUT_SETTINGS.intervalMs).describe(
    'how often rollouts in progress are moved on: a step that has baked goes to the next, too many failures roll back',
  ),
  CAIRN_INSTANCE_TTL_SECONDS: atLeastOne(DEFAULT_ROLLOUT_SETTINGS.instanceTtlMs / 1000).describe(
    'an instance that has not reported for this long is forgotten: it no longer shows nor counts in rollouts',
  ),
  CAIRN_MAX_INSTANCES: atLeastOne(DEFAULT_ROLLOUT_SETTINGS.maxInstances).describe(
    'instances the server keeps the applied state of, every environment together; a new one past it is refused with `TooExpensive`',
  ),
  CAIRN_MAX_INSTANCES_PER_NAMESPACE: atLeastOne(DEFAULT_ROLLOUT_SETTINGS.maxInstancesPerNamespace).describe(
    "instances of one namespace the server keeps: one namespace's agents cannot take every other namespace's room; past it `TooExpensive`",
  ),
  CAIRN_WEBHOOK_DELIVERY: flag(true).describe(
    'whether this process delivers webhooks; replicas sharing Redis elect one deliverer among those with it on; without Redis, turn it on in exactly one replica',
  ),
  CAIRN_FEED_MAX_BUFFERED_EVENTS: atLeastOne(DEFAULT_FEED_OPTIONS.maxBufferedEvents).describe(
    'undelivered change events one subscription may have before it is disconnected (`SLOW_SUBSCRIBER`, WebSocket close 4413)',
  ),
  CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES: count(MAX_EVENT_DOCUMENT_BYTES).describe(
    'per document, above this many bytes of changes, patch and contents a change event says `tooLarge` instead of carrying them',
  ),
  CAIRN_FEED_DISCONNECT_GRACE_MS: atLeastOne(30_000).describe(
    'how long a disconnected slow subscriber (or any WebSocket being closed) may take to read what it was sent before the connection is dropped',
  ),
  CAIRN_WS_MAX_PAYLOAD_BYTES: atLeastOne(1024 * 1024).describe(
    'largest WebSocket message a client may send, all fragments counted together; a larger one closes the socket with 1009 as soon as its length is known, before it is read (send large documents over HTTP)',
  ),
  CAIRN_WS_MAX_CONNECTIONS_PER_IP: count(64).describe(
    'open WebSockets per client address (IPv6: per /64), as the TCP peer is seen (X-Forwarded-For is not trusted); one more upgrade is answered 429 `TOO_MANY_CONNECTIONS` before the handshake. `0`: no cap (behind a reverse proxy every client is the proxy: cap there)',
  ),
  CAIRN_WS_MAX_PENDING_CONNECTIONS: atLeastOne(256).describe(
    'WebSockets, server-wide, that have not sent `connection_init` yet; one more closes the oldest of them with 1013 (try again later); each still has 5 s to send it (4408)',
  ),
  CAIRN_WS_MAX_SUBSCRIPTIONS: atLeastOne(32).describe(
    'operations open at once on one WebSocket (subscriptions, and queries or mutations sent over it); one more is answered with a graphql-ws `error` whose `extensions` are `{"code":"TOO_MANY_SUBSCRIPTIONS","limit":N}` (N: this setting); the connection and its other operations go on',
  ),
  CAIRN_CONSOLE_DIR: optionalText().describe('the built web console served at `/`').meta({ shownDefault: '`dist/console` next to the built server' }),
  CAIRN_METRICS_TOKEN: optionalText().describe(
    'bearer token `/metrics` requires from every client; without it `/metrics` answers loopback clients only, unauthenticated',
  ),
  CAIRN_METRICS_MAX_OPERATION_NAMES: count(100).describe(
    'distinct GraphQL operation names labelled apart in metrics; later new names (and names over 100 characters) count as `(other)`',
  ),
  CAIRN_READY_WAIT_MS: count(30_000).describe(
    'how long a GraphQL request or WebSocket upgrade that arrives while the server starts waits for it to be ready before being answered 503 `NOT_READY`',
  ),
  CAIRN_KEEP_ALIVE_MS: atLeastOne(65_000).describe(
    'how long an idle keep-alive connection stays open; longer than the 60 s proxies and load balancers keep theirs (nginx, AWS ALB), so a client never sends a request on a connection the server is closing',
  ),
  CAIRN_SHUTDOWN_DELAY_MS: count(0).describe(
    'on SIGTERM/SIGINT, how long `/readyz` answers 503 while everything is still served, so load balancers stop routing before connections are refused',
  ),
  NODE_ENV: optionalText().describe('`production` hides "did you mean" field suggestions'),
  LOG_LEVEL: text('info').describe('pino level; logs are JSON, one line per operation with its request id'),
});

/** Read only when CAIRN_REMOTE_URL is set: one of several replicas (docs/replicas.md, "Running several replicas"). */
export const CLUSTER_SETTINGS = z.object({
  CAIRN_REMOTE_URL: httpUrl().describe('the shared Git repository (smart HTTP) replicas push to and pull from; see "Running several replicas"'),
  CAIRN_REMOTE_USERNAME: optionalText().describe('HTTP basic user name for the remote'),
  CAIRN_REMOTE_PASSWORD: optionalText().describe("HTTP basic password for the remote (a host's access token goes here)"),
  CAIRN_REMOTE_TIMEOUT_MS: count(30_000).describe('longest wait for one exchange with the remote'),
  CAIRN_REMOTE_POLL_MS: count(5_000).describe(
    'how often a replica compares every namespace with the remote, to catch up what no announcement told it (`0`: never)',
  ),
  CAIRN_REDIS_URL: optionalText().describe(
    'Redis carrying "namespace moved" announcements between replicas (needs `CAIRN_REMOTE_URL`); without it replicas follow by polling',
  ),
  CAIRN_WEBHOOK_LEASE_MS: atLeastOne(15_000).describe('with replicas and Redis, how long the delivering replica holds its lease (renewed every third of it)'),
  CAIRN_ROLLOUT_LEASE_MS: atLeastOne(15_000).describe(
    'with replicas and Redis, how long the replica driving rollouts holds its lease (renewed every third of it); a failed holder is replaced within it',
  ),
});

/** Read only when CAIRN_ETCD_ENDPOINTS is set: etcd as a delivery target (docs/etcd.md). */
export const ETCD_SETTINGS = z.object({
  CAIRN_ETCD_ENDPOINTS: list().describe(
    "etcd endpoints, comma-separated URLs (`http://10.0.0.5:2379,http://10.0.0.6:2379`): every environment's released documents are published there and watched for edits (docs/etcd.md); unset: no etcd",
  ),
  CAIRN_ETCD_PREFIX: parsedBy(validateEtcdRoot, '/cairn/').describe(
    'the etcd prefix Cairn owns: `<prefix><namespace>/<environment>/<cluster or _>/<path>` and `<prefix><namespace>/<environment>/.version`',
  ),
  CAIRN_ETCD_USERNAME: optionalText().describe("etcd user (etcd's own authentication), with `CAIRN_ETCD_PASSWORD`"),
  CAIRN_ETCD_PASSWORD: optionalText().describe('password of `CAIRN_ETCD_USERNAME`'),
  CAIRN_ETCD_TIMEOUT_MS: atLeastOne(5_000).describe('longest wait for one etcd request; past it the publication waits and is tried again, with backoff'),
  CAIRN_ETCD_DRIFT: parsedBy(parseDriftPolicy, 'report').describe(
    'what to do with an edit made in etcd under the prefix: `report` it (API and feed), `capture` it as a commit to main (action `capture`), or `restore` the released value',
  ),
  CAIRN_ETCD_OPERATOR: parsedBy(parseOperator, 'Cairn etcd capture <etcd-capture@localhost>').describe(
    'the author of `capture` commits, `Name <email>` (an admin of every namespace, as the rollout driver is)',
  ),
  CAIRN_ETCD_MAX_KEYS: atLeastOne(10_000).describe(
    "keys one environment may publish (documents × clusters, `_` included); an environment over it is not published, and it bounds each read of an environment's prefix (twice this many keys)",
  ),
  CAIRN_ETCD_MAX_TXN_OPS: atLeastOne(128).describe(
    "operations one publication's transaction may carry (changed and deleted keys, plus the version key): etcd's own `--max-txn-ops` (default 128); a release over it is not published",
  ),
  CAIRN_ETCD_QUEUE: atLeastOne(100).describe(
    'publications one environment may have waiting while etcd is unreachable; past it the oldest waiting are dropped (each publication carries the whole state)',
  ),
});

/** Read only when CAIRN_OIDC_ISSUER is set: single sign-on with an OpenID Connect provider (docs/sso.md). */
export const OIDC_SETTINGS = z.object({
  CAIRN_OIDC_ISSUER: optionalText().describe(
    "the OpenID Connect provider's issuer URL, exactly as its tokens' `iss` says: bearer tokens that are JWTs are verified against its keys (docs/sso.md); unset: no single sign-on",
  ),
  CAIRN_OIDC_AUDIENCE: list().describe("audiences Cairn accepts in a token's `aud`, comma-separated (needed with `CAIRN_OIDC_ISSUER`)"),
  CAIRN_OIDC_JWKS_URI: optionalText().describe("where the provider's signing keys are; unset: the `jwks_uri` of the issuer's discovery document"),
  CAIRN_OIDC_ROLES: optionalText().describe('groups → roles per namespace, YAML or JSON (`platform-admins: {"*": admin}`; docs/sso.md)'),
  CAIRN_OIDC_ROLES_FILE: optionalText().describe('the same mapping read from a file (one of the two)'),
  CAIRN_OIDC_GROUPS_CLAIM: text('groups').describe("the claim holding the token's groups (a list of names)"),
  CAIRN_OIDC_NAME_CLAIM: text('name').describe("the claim giving the commit author's name (a token without it is recorded by its `sub`)"),
  CAIRN_OIDC_EMAIL_CLAIM: text('email').describe("the claim giving the commit author's email (a token without it is refused)"),
  CAIRN_OIDC_CLOCK_SKEW_SECONDS: count(30).describe('leeway on `exp` and `nbf` for clocks that disagree, at most 300'),
  CAIRN_OIDC_JWKS_TIMEOUT_MS: atLeastOne(5_000).describe(
    "longest wait for the provider's keys (or discovery document); past it the request is refused as unauthenticated, and tried again by the next one",
  ),
  CAIRN_OIDC_JWKS_COOLDOWN_MS: count(30_000).describe(
    'after the keys were fetched, how long a token with an unknown `kid` waits before it may fetch them again',
  ),
  CAIRN_OIDC_CONSOLE_CLIENT_ID: optionalText().describe(
    "the web console's client at the provider (public, authorization code with PKCE, redirect URI `<Cairn's URL>/`): the console then offers single sign-on; add it to `CAIRN_OIDC_AUDIENCE` (the console sends the ID token)",
  ),
  CAIRN_OIDC_CONSOLE_SCOPES: text('openid profile email').describe(
    'scopes the console asks for (add the one that brings the groups claim, if the provider has one)',
  ),
  CAIRN_OIDC_MAX_TOKEN_BYTES: atLeastOne(8_192).describe('longest JWT accepted; a longer one is refused before it is parsed'),
});

function parseOperator(text: string): { name: string; email: string } {
  const match = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(text);
  if (!match?.[1]) throw new Error(`must read 'Name <email>', got '${text}'`);
  return { name: match[1], email: match[2]! };
}

/** In README's order. */
export const SETTING_DECLARATIONS = [SERVER_SETTINGS, CLUSTER_SETTINGS, ETCD_SETTINGS, OIDC_SETTINGS] as const;
