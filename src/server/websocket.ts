import type { IncomingMessage, OutgoingHttpHeaders, Server } from 'node:http';
import type { DocumentNode, ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Actor } from '../services/actor.js';
import type { SlowSubscriberError } from '../services/feed-errors.js';
import type { Authenticator } from './authenticator.js';
import { clientAddressKey } from './client-address.js';
import { reportClientProtocolErrors } from './client-protocol-errors.js';
import { ConnectionQuota } from './connection-quota.js';
import { EXPIRED_CLOSE_CODE, endWhenExpired } from './expiring-connection.js';
import { LiveCredentials } from './live-credentials.js';
import { PendingConnections } from './pending-connections.js';
import { requestIdFrom } from './request-id.js';
import type { WebSocketSettings } from './settings.js';
import { disconnectSlowWebSocket } from './slow-subscriber.js';
import { subscriptionRefusal } from './subscription-quota.js';
import type { CairnYoga } from './yoga.js';

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  actor?: Actor;
  /** Each open operation's logger, by graphql-ws operation id: its request id follows it to onError. */
  operationLoggers?: Map<string, Logger>;
}

function isSameOrigin(origin: string, req: IncomingMessage): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

type VerifyDone = (verified: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void;

/** ws's verifyClient: the origin, then the client's share of connections; a refusal is answered before the handshake. */
function admitUpgrade(allowedOrigins: readonly string[], connections: ConnectionQuota, logger: Logger) {
  return ({ origin, req }: { origin?: string; req: IncomingMessage }, done: VerifyDone): void => {
    // Browsers send Origin and let any page open a WebSocket anywhere: only our own origin and listed ones get in.
    // Clients that are not browsers send no Origin.
    if (origin && !allowedOrigins.includes(origin) && !isSameOrigin(origin, req)) return done(false, 401);
    const address = clientAddressKey(req.socket.remoteAddress);
    const refusal = connections.refusal(address);
    if (!refusal) return done(true);
    logger.warn({ address }, 'WebSocket upgrade refused (429): too many connections from this address');
    done(false, refusal.status, refusal.body, refusal.headers);
  };
}

/** How long shutdown waits for clients to answer the close frame before dropping them. */
const SHUTDOWN_CLOSE_WAIT_MS = 2_000;

type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: (a: ExecutionArgs) => unknown; subscribe: (a: ExecutionArgs) => unknown } };

/**
 * graphql-ws on the same port and path as HTTP. The token is read once at connection_init (connectionParams
 * `authorization`, or the upgrade request's header); an unknown token closes the socket with 4403, and so does a
 * single sign-on token's expiry.
 *
 * What one client may hold is bounded: a message's size (1009 past it), its open sockets per address (429 at the
 * upgrade), the sockets server-wide still awaiting connection_init (the oldest closed with 1013), and the operations
 * open on one socket (TOO_MANY_SUBSCRIPTIONS).
 */
export interface WebSocketOptions {
  readonly allowedOrigins: readonly string[];
  /** How long a closed connection may take to read what was sent before it (and the close frame) before it is dropped. */
  readonly slowSubscriberGraceMs: number;
  /** Message size, connections per address, sockets awaiting connection_init, operations per socket. */
  readonly limits: WebSocketSettings;
}

export function attachWebSocket(
  server: Server,
  yoga: CairnYoga,
  authenticator: Authenticator,
  logger: Logger,
  options: WebSocketOptions,
): { close(): Promise<void> } {
  const { allowedOrigins, limits } = options;
  const connections = new ConnectionQuota(limits.maxConnectionsPerIp);
  const pending = new PendingConnections(limits.maxPendingConnections, (address) =>
    logger.warn({ address, limit: limits.maxPendingConnections }, 'WebSocket awaiting connection_init closed (1013) to make room for a newer one'),
  );
  const serverOptions = {
    server,
    path: yoga.graphqlEndpoint,
    // ws's own option (not in @types/ws): after close(), how long the peer has to read and answer before it is dropped.
    closeTimeout: options.slowSubscriberGraceMs,
    // ws reads each frame's length first and closes with 1009 when the message (all its fragments) would pass it.
    maxPayload: limits.maxPayloadBytes,
    // One change event goes to every subscriber: deflating the same message once per socket would cost more CPU
    // than the whole fan-out (ws's default, said here so that it stays so).
    perMessageDeflate: false,
    verifyClient: admitUpgrade(allowedOrigins, connections, logger),
  };
  const wss = new WebSocketServer(serverOptions);
  // A token revoked, expired or changed while its subscriptions run closes them (see LiveCredentials).
  const live = new LiveCredentials(authenticator);
  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      connectionInitWaitTimeout: 5_000,
      onConnect: async (ctx) => {
        pending.initialised(ctx.extra.socket);
        const fromParams = typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : null;
        const credential = fromParams ?? ctx.extra.request.headers.authorization;
        const result = await authenticator.authenticate(credential);
        if (!result.ok) return false;
        const { socket } = ctx.extra;
        if ('expiresAt' in result) endWhenExpired(socket, result.expiresAt, () => socket.close(EXPIRED_CLOSE_CODE, 'token expired'));
        ctx.extra.actor = { operator: result.operator, ip: ctx.extra.request.socket.remoteAddress ?? 'unknown' };
        socket.once(
          'close',
          live.track(credential, result.operator, (code, reason) => socket.close(code, reason)),
        );
        return true;
      },
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onSubscribe: async (ctx, id, payload) => {
        const operationLogger = logger.child({ requestId: requestIdFrom(null) });
        (ctx.extra.operationLoggers ??= new Map()).set(id, operationLogger);
        // Before any await: subscribe messages that arrive together are counted one after the other.
        const refused = subscriptionRefusal(ctx.subscriptions, limits.maxSubscriptions);
        if (refused) return [refused];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          actor: ctx.extra.actor,
          logger: operationLogger,
          transport: 'ws',
          params: payload,
          // One stalled subscription means a stalled socket: the whole connection goes, with the reason.
          onSlowSubscriber: (error: SlowSubscriberError) => disconnectSlowWebSocket(ctx.extra.socket, error),
        });
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          // Syntax errors and limits enforced while parsing (graphql-armor's token limit) answer this subscription
          // with an error message; thrown, graphql-ws would close the whole connection as an internal error.
          if (error instanceof Error && error.name === 'GraphQLError') return [error as GraphQLError];
          throw error;
        }
        const args: EnvelopedArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        try {
          const errors = validate(args.schema, args.document);
          return errors.length ? errors : args;
        } catch (error) {
          if (error instanceof Error && error.name === 'GraphQLError') return [error as GraphQLError];
          throw error;
        }
      },
      onError: (ctx, id, _payload, errors) => {
        // An error ends the operation, and graphql-ws calls onComplete only for operations that started.
        const operationLogger = ctx.extra.operationLoggers?.get(id) ?? logger;
        ctx.extra.operationLoggers?.delete(id);
        operationLogger.warn({ errors: errors.map((e) => e.message) }, 'graphql-ws operation error');
      },
      onComplete: (ctx, id) => {
        ctx.extra.operationLoggers?.delete(id);
      },
    },
    wss,
  );
  // After graphql-ws's own listener (see reportClientProtocolErrors); verifyClient let it in this same tick.
  wss.on('connection', (socket, request) => {
    const address = clientAddressKey(request.socket.remoteAddress);
    connections.opened(socket, address);
    pending.opened(socket, address);
    reportClientProtocolErrors(socket, logger, address);
  });
  return {
    async close() {
      live.dispose();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      // A client that stopped reading never answers the close frame: shutdown does not wait the whole grace for it.
      const stalled = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, SHUTDOWN_CLOSE_WAIT_MS);
      try {
        await disposable.dispose();
      } finally {
        clearTimeout(stalled);
      }
    },
  };
}
