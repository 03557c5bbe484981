import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FaultHook } from '../git/durable-file.js';
import { RepositoryStore, SYSTEM_REPOSITORY } from '../git/repository-store.js';
import { type Cairn, createCairn } from '../services/cairn.js';
import { type Authenticator, developmentAuthenticator, tokenAuthenticator } from './authenticator.js';
import { type Settings, isLoopback } from './settings.js';
import { consoleAssets } from './console-assets.js';
import { type Cluster, connectRedis, createRemote, joinCluster } from './cluster.js';
import { RedisDeliveryLog } from './redis-delivery-log.js';
import { TokenRegistry } from './token-registry.js';
import { attachWebSocket } from './websocket.js';
import { createCairnYoga } from './yoga.js';

export interface RunningServer {
  readonly url: string;
  readonly cairn: Cairn;
  readonly server: Server;
  /** How this process takes part in a group of replicas; null when it runs alone. */
  readonly cluster: Cluster | null;
  /** Stops accepting, finishes in-flight writes, closes subscriptions. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
  /** Carries change events; in-process by default. */
  readonly events?: EventTarget;
  /** Test seam: simulated file system failures in the repository layer (see durable-file.ts). */
  readonly faults?: FaultHook;
  /** Test seam: the server's clock (commit and tag times). */
  readonly clock?: () => Date;
}

export async function startServer(settings: Settings, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: settings.logLevel });
  const authenticator = await chooseAuthenticator(settings, logger);
  const remote = settings.cluster ? createRemote(settings.cluster) : null;
  const store = new RepositoryStore(settings.dataDir, { fsync: settings.fsync, ...(options.faults ? { faults: options.faults } : {}) }, { repackEvery: settings.repackEvery }, remote);
  await store.init();
  // Ready means every namespace's commit index is loaded (from its index file, or rebuilt from Git).
  const namespaces = await store.list();
  for (const name of namespaces) {
    // One namespace that cannot open (a history diverged from the remote's) must not keep the others down.
    await store.get(name).catch((error: unknown) => logger.error({ err: error, namespace: name }, 'namespace could not be opened; it is retried on its next use'));
  }
  logger.info({ namespaces: namespaces.length }, 'commit indexes loaded');
  const redis = settings.cluster?.redisUrl ? await connectRedis(settings.cluster.redisUrl, logger, Math.max(200, Math.min(5_000, Math.floor(settings.cluster.webhookLeaseMs / 3)))) : null;
  const cairn = createCairn({
    store,
    events: options.events ?? new EventTarget(),
    logger,
    write: { committer: settings.committer, maxDocumentBytes: settings.maxDocumentBytes, clock: options.clock ?? (() => new Date()) },
    webhooks: settings.webhooks,
    ...(redis ? { deliveryLog: new RedisDeliveryLog(redis.publish, settings.webhooks.logSize) } : {}),
    feed: { maxBufferedEvents: settings.feed.maxBufferedEvents, maxDocumentEventBytes: settings.feed.maxDocumentEventBytes },
  });
  // Webhook definitions changed on another replica reach this one by a pull of the system repository.
  store.onAppend((repo, _commits, origin) => {
    if (repo.name === SYSTEM_REPOSITORY && origin === 'sync') void cairn.webhookDispatcher.reload();
  });
  const cluster: Cluster | null = settings.cluster && remote ? await joinCluster(settings.cluster, store, remote, redis, logger) : null;
  const yoga = createCairnYoga({
    cairn,
    authenticator,
    logger,
    graphiql: settings.graphiql,
    limits: settings.limits,
    maxBatch: settings.maxBatch,
    corsOrigins: settings.corsOrigins,
    slowSubscriberGraceMs: settings.feed.disconnectGraceMs,
  });
  const webConsole = consoleAssets(settings.consoleDir);
  const server = createServer((req, res) => {
    if (webConsole.handle(req, res)) return;
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > settings.maxBodyBytes) {
      res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end('{"errors":[{"message":"request body too large","extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}');
      req.destroy();
      return;
    }
    void yoga(req, res);
  });
  const ws = attachWebSocket(server, yoga, authenticator, logger, { allowedOrigins: settings.corsOrigins, slowSubscriberGraceMs: settings.feed.disconnectGraceMs });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, dataDir: settings.dataDir, graphiql: settings.graphiql ? `${url}/graphql` : null }, `Cairn listening on ${url}; console at ${url}/, GraphiQL at ${url}/graphql`);
  if (!settings.webhookDelivery) logger.info('webhook delivery is off in this process (CAIRN_WEBHOOK_DELIVERY)');
  if (cluster) await cluster.runWebhooks(cairn.webhookDispatcher, settings.webhookDelivery);
  else if (settings.webhookDelivery) await cairn.webhookDispatcher.start();
  return {
    url,
    cairn,
    server,
    cluster,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await ws.close();
      await cairn.webhookDispatcher.stop();
      await cluster?.close();
      await cairn.drain();
      server.closeAllConnections();
      await closed;
      await store.close();
    },
  };
}

async function chooseAuthenticator(settings: Settings, logger: Logger): Promise<Authenticator> {
  if (settings.tokensFile) {
    logger.info({ tokensFile: settings.tokensFile }, 'bearer tokens from CAIRN_TOKENS_FILE');
    return tokenAuthenticator(await TokenRegistry.load(settings.tokensFile));
  }
  if (!isLoopback(settings.host)) {
    throw new Error(`CAIRN_HOST=${settings.host} needs CAIRN_TOKENS_FILE: without it Cairn runs with a development identity and only on loopback`);
  }
  logger.warn(
    { host: settings.host },
    `no CAIRN_TOKENS_FILE: development mode, every request acts as "Local Developer <dev@localhost>" (admin of every namespace); listening on ${settings.host} only`,
  );
  return developmentAuthenticator;
}
