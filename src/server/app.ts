import { existsSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import type { FaultHook } from '../git/durable-file.js';
import { cacheBudget } from '../git/cache-budget.js';
import { packHandles } from '../git/pack-handles.js';
import { RepositoryStore, SYSTEM_REPOSITORY } from '../git/repository-store.js';
import { type Cairn, createCairn } from '../services/cairn.js';
import { closeDocumentParser, configureDocumentParser } from '../services/document-parser.js';
import { type Authenticator, bearerAuthenticator, developmentAuthenticator, tokenAuthenticator } from './authenticator.js';
import { JwtAuthenticator } from './jwt-authenticator.js';
import type { EtcdPort } from '../services/etcd-port.js';
import { type EtcdSettings, type Settings, isLoopback } from './settings.js';
import { consoleAssets } from './console-assets.js';
import { type Cluster, connectRedis, createRemote, joinCluster } from './cluster.js';
import { requestHandler } from './http-handler.js';
import { closeIdleConnectionsAfterReading } from './keep-alive.js';
import { CairnMetrics } from './metrics.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { IndexWarmUp, openEveryNamespace } from '../services/index-warm-up.js';
import { Readiness } from './readiness.js';
import { RedisDeliveryLog } from './redis-delivery-log.js';
import { RedisInstanceSharing } from './redis-instance-sharing.js';
import { AgentApi } from './agent-api.js';
import { ConfigApi } from './config-api.js';
import { AuditExport } from './audit-export.js';
import { BackupApi } from './backup-api.js';
import { BackupService } from '../services/backup.js';
import { checkTransportSecurity, createCairnServer } from './tls-server.js';
import { LiveTokens } from './live-tokens.js';
import { loadSecretCipher } from './secrets-key.js';
import { attachWebSocket } from './websocket.js';
import { type CairnYoga, createCairnYoga } from './yoga.js';

export interface RunningServer {
  readonly url: string;
  readonly cairn: Cairn;
  readonly server: Server;
  /** How this process takes part in a group of replicas; null when it runs alone. */
  readonly cluster: Cluster | null;
  /** The GraphQL server the HTTP and WebSocket servers hand operations to: tests send it requests in process with `yoga.fetch`. */
  readonly yoga: CairnYoga;
  /** Reads the tokens file again (SIGHUP); false when it does not read and the previous tokens stay (the error is logged). */
  reloadTokens(): Promise<boolean>;
  /** Stops being ready, waits CAIRN_SHUTDOWN_DELAY_MS, stops accepting, finishes in-flight writes, closes subscriptions. */
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
  /** Called once the server listens, before it is ready (startServer resolves only once it is ready). */
  readonly onListening?: (url: string) => void;
  /** Test seam: awaited after listening and before the services start, to look at a server that is not ready. */
  readonly beforeLoading?: () => Promise<void>;
}

/**
 * Listens first, so that /healthz answers (the process is alive) and /readyz says why it is not ready yet; then
 * wires the services; resolves once ready. Namespaces are opened (their commit indexes loaded) on first use, and
 * the rest in the background after that, so a thousand namespaces do not hold the start up. GraphQL requests and WebSocket upgrades
 * that arrive before wait for it (CAIRN_READY_WAIT_MS), then are served, or answered 503 NOT_READY (see Readiness).
 */
export async function startServer(settings: Settings, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: settings.logLevel });
  // The tokens file, with the service tokens of the system repository added once the services are up.
  // Single sign-on alone has service tokens too (an agent has no provider's token): no file, the service tokens only.
  const liveTokens = settings.tokensFile || settings.oidc ? await LiveTokens.open(settings.tokensFile ?? null, logger) : null;
  const authenticator = await secureAuthenticator(settings, logger, liveTokens, options.clock);
  // Before listening: a secrets key that cannot be loaded stops the start (see secrets-key.ts).
  const secrets = await loadSecretCipher(settings.secrets);
  const remote = settings.cluster ? createRemote(settings.cluster) : null;
  configureDocumentParser({ threads: settings.parseThreads });
  packHandles.setLimit(settings.maxOpenPacks);
  cacheBudget.setMaxBytes(settings.cacheBytes);
  const store = new RepositoryStore(
    settings.dataDir,
    { fsync: settings.fsync, ...(options.faults ? { faults: options.faults } : {}) },
    { repackEvery: settings.repackEvery, maxCommitBatch: settings.maxCommitBatch },
    remote,
  );
  await store.init();
  const readiness = new Readiness();
  const metrics = new CairnMetrics({
    maxOperationNames: settings.metrics.maxOperationNames,
    indexSizes: () => store.indexSizes(),
    ready: () => readiness.ready,
  });
  store.onAppend((repo, commits, origin) => {
    if (repo.name !== SYSTEM_REPOSITORY) metrics.commitsAppended(repo.name, commits, origin);
  });
  let yoga: CairnYoga | null = null;
  let agentApi: AgentApi | null = null;
  let configApi: ConfigApi | null = null;
  let auditExport: AuditExport | null = null;
  let backupApi: BackupApi | null = null;
  const listener = await createCairnServer(
    settings.tls,
    requestHandler({
      settings,
      readiness,
      metrics,
      endpoint: new MetricsEndpoint(metrics, settings.metrics.token),
      webConsole: consoleAssets(settings.consoleDir, settings.oidc?.console ? { issuer: settings.oidc.issuer, ...settings.oidc.console } : null),
      yoga: () => yoga,
      agentApi: () => agentApi,
      configApi: () => configApi,
      auditExport: () => auditExport,
      backupApi: () => backupApi,
    }),
    logger,
  ).catch(async (error: unknown) => {
    await store.close().catch(() => undefined);
    throw error;
  });
  const { server } = listener;
  closeIdleConnectionsAfterReading(server, settings.keepAliveMs);
  // An upgrade before ready waits like any request, then goes to the WebSocket server (attached by then).
  const deferUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void readiness.whenReady(settings.readyWaitMs).then((ready) => (ready ? server.emit('upgrade', req, socket, head) : readiness.refuseUpgrade(socket)));
  };
  server.on('upgrade', deferUpgrade);
  const url = await listen(server, settings, listener.scheme);
  readiness.progress('starting services');
  logger.info({ url }, `accepting connections on ${url}; /readyz answers 503 until the services are started`);
  options.onListening?.(url);
  try {
    await options.beforeLoading?.();
    // A replica's namespaces join the shared remote as they open (a history made before the remote existed is pushed,
    // the others' commits pulled): a replica is ready once all of them have. Alone, each opens on first use.
    if (settings.cluster) {
      await openEveryNamespace(store, logger, (index, count) => {
        readiness.progress(`joining the shared remote: ${index} of ${count} namespaces`);
        return true;
      });
    }
    if (settings.cluster) readiness.progress('joining the other replicas');
    const redis = settings.cluster?.redisUrl
      ? await connectRedis(settings.cluster.redisUrl, logger, Math.max(200, Math.min(5_000, Math.floor(settings.cluster.webhookLeaseMs / 3))))
      : null;
    const instanceSharing = redis ? new RedisInstanceSharing(redis, settings.rollouts.instanceTtlMs, logger) : null;
    const cairn = createCairn({
      store,
      events: options.events ?? new EventTarget(),
      logger,
      write: { committer: settings.committer, maxDocumentBytes: settings.maxDocumentBytes, clock: options.clock ?? (() => new Date()), secrets },
      webhooks: settings.webhooks,
      rollouts: settings.rollouts,
      ...(redis ? { deliveryLog: new RedisDeliveryLog(redis.publish, settings.webhooks.logSize) } : {}),
      ...(instanceSharing ? { instanceSharing } : {}),
      feed: { maxBufferedEvents: settings.feed.maxBufferedEvents, maxDocumentEventBytes: settings.feed.maxDocumentEventBytes },
      blame: settings.blame,
      revert: settings.revert,
      observer: metrics,
      ...(settings.etcd ? { etcd: { port: await etcdPort(settings.etcd, logger), settings: settings.etcd } } : {}),
    });
    // A key file of another key than the secrets' stops the start here, before any secret read or write.
    await cairn.secretsKey?.confirm();
    // Webhook definitions changed on another replica reach this one by a pull of the system repository.
    store.onAppend((repo, _commits, origin) => {
      if (repo.name === SYSTEM_REPOSITORY && origin === 'sync') void cairn.webhookDispatcher.reload();
    });
    if (liveTokens) {
      // Made here, or pulled from another replica: either moves the system repository.
      const refresh = liveTokens.followServiceTokens(() => cairn.serviceTokens.records());
      cairn.serviceTokens.onChange(refresh);
      store.onAppend((repo) => {
        if (repo.name === SYSTEM_REPOSITORY) void refresh();
      });
      await refresh();
      if (settings.tokensWatch) liveTokens.watchFile();
    }
    const cluster: Cluster | null = settings.cluster && remote ? await joinCluster(settings.cluster, store, remote, redis, logger) : null;
    await instanceSharing?.follow(cairn.instanceRegistry);
    const served = createCairnYoga({
      cairn,
      authenticator,
      logger,
      graphiql: settings.graphiql,
      limits: settings.limits,
      maxBatch: settings.maxBatch,
      corsOrigins: settings.corsOrigins,
      slowSubscriberGraceMs: settings.feed.disconnectGraceMs,
      metrics,
      maxReadBytes: settings.maxReadBytes,
    });
    // Swapped in the same tick: no upgrade finds neither listener.
    server.off('upgrade', deferUpgrade);
    const ws = attachWebSocket(server, served, authenticator, logger, {
      allowedOrigins: settings.corsOrigins,
      slowSubscriberGraceMs: settings.feed.disconnectGraceMs,
      limits: settings.websocket,
    });
    yoga = served;
    agentApi = new AgentApi(cairn, authenticator, logger);
    configApi = new ConfigApi(cairn, authenticator, logger);
    auditExport = new AuditExport(cairn, authenticator, logger);
    backupApi = new BackupApi(new BackupService(store), authenticator, logger);
    if (!settings.webhookDelivery) logger.info('webhook delivery is off in this process (CAIRN_WEBHOOK_DELIVERY)');
    if (cluster) await cluster.runWebhooks(cairn.webhookDispatcher, settings.webhookDelivery);
    else if (settings.webhookDelivery) await cairn.webhookDispatcher.start();
    if (cluster) await cluster.runRollouts(cairn.rolloutDriver);
    else cairn.rolloutDriver.start();
    if (settings.etcd)
      logger.info({ endpoints: settings.etcd.endpoints, prefix: settings.etcd.root, drift: settings.etcd.policy }, 'publishing environments to etcd');
    cairn.etcd?.start();
    readiness.markReady();
    // Namespaces open on first use; the rest load in the background (see IndexWarmUp).
    const warmUp = new IndexWarmUp(store, logger);
    warmUp.start();
    const consoleBuilt = existsSync(path.join(settings.consoleDir, 'index.html'));
    if (!consoleBuilt) logger.warn({ consoleDir: settings.consoleDir }, 'the web console is not built (npm run build): / answers 503');
    logger.info(
      { url, dataDir: settings.dataDir, console: consoleBuilt ? `${url}/` : null, graphiql: settings.graphiql ? `${url}/graphql` : null },
      `Cairn listening on ${url}; web console at ${url}/${settings.graphiql ? `, GraphiQL at ${url}/graphql` : ''}`,
    );
    return {
      url,
      cairn,
      server,
      cluster,
      yoga: served,
      reloadTokens: () => liveTokens?.reloadFile() ?? Promise.resolve(true),
      async close() {
        readiness.markStopping();
        liveTokens?.close();
        if (settings.shutdownDelayMs > 0) {
          logger.info({ ms: settings.shutdownDelayMs }, 'not ready any more: still serving for CAIRN_SHUTDOWN_DELAY_MS');
          await sleep(settings.shutdownDelayMs);
        }
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await ws.close();
        await cairn.webhookDispatcher.stop();
        await cairn.rolloutDriver.stop();
        await cairn.etcd?.stop();
        instanceSharing?.stop();
        await cluster?.close();
        await warmUp.stop();
        await cairn.drain();
        server.closeAllConnections();
        listener.stop();
        await closed;
        await store.close();
        await closeDocumentParser();
      },
    };
  } catch (error) {
    // Startup failed after listening: stop listening, so the caller is left with nothing running.
    readiness.markStopping();
    listener.stop();
    liveTokens?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** The etcd client, loaded only when etcd is configured: gRPC and etcd's protocol definitions take time to load. */
async function etcdPort(settings: EtcdSettings, logger: Logger): Promise<EtcdPort> {
  const { Etcd3Port } = await import('./etcd3-port.js');
  return new Etcd3Port(settings, logger);
}

async function listen(server: Server, settings: Settings, scheme: 'http' | 'https'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return `${scheme}://${host}:${port}`;
}

/** The authenticator, once the address and TLS settings allow it (the tokens file's watch is closed if they do not). */
async function secureAuthenticator(settings: Settings, logger: Logger, liveTokens: LiveTokens | null, clock?: () => Date): Promise<Authenticator> {
  try {
    const authenticator = await chooseAuthenticator(settings, logger, liveTokens, clock);
    checkTransportSecurity(settings);
    return authenticator;
  } catch (error) {
    liveTokens?.close();
    throw error;
  }
}

async function chooseAuthenticator(settings: Settings, logger: Logger, liveTokens: LiveTokens | null, clock?: () => Date): Promise<Authenticator> {
  if (settings.oidc) {
    const jwt = await JwtAuthenticator.create(settings.oidc, logger, clock);
    logger.info(
      { issuer: settings.oidc.issuer, audiences: settings.oidc.audiences, groupsMapped: jwt.groupsMapped, tokensFile: settings.tokensFile },
      'single sign-on: bearer JWTs from CAIRN_OIDC_ISSUER',
    );
    return bearerAuthenticator(jwt, liveTokens);
  }
  if (liveTokens) {
    logger.info({ tokensFile: settings.tokensFile }, 'bearer tokens from CAIRN_TOKENS_FILE (reloaded on change and SIGHUP) and service tokens');
    return tokenAuthenticator(liveTokens);
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
