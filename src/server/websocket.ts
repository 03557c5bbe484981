import type { IncomingMessage, Server } from 'node:http';
import type { DocumentNode, ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Actor } from '../services/actor.js';
import type { SlowSubscriberError } from '../services/feed-errors.js';
import type { Authenticator } from './authenticator.js';
import { requestIdFrom } from './request-id.js';
import { disconnectSlowWebSocket } from './slow-subscriber.js';
import type { CairnYoga } from './yoga.js';

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  actor?: Actor;
}

function isSameOrigin(origin: string, req: IncomingMessage): boolean {
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** How long shutdown waits for clients to answer the close frame before dropping them. */
const SHUTDOWN_CLOSE_WAIT_MS = 2_000;

type EnvelopedArgs = ExecutionArgs & { rootValue: { execute: (a: ExecutionArgs) => unknown; subscribe: (a: ExecutionArgs) => unknown } };

/**
 * graphql-ws on the same port and path as HTTP. The token is read once at connection_init (connectionParams
 * `authorization`, or the upgrade request's header); an unknown token closes the socket with 4403.
 */
export interface WebSocketOptions {
  readonly allowedOrigins: readonly string[];
  /** How long a closed connection may take to read what was sent before it (and the close frame) before it is dropped. */
  readonly slowSubscriberGraceMs: number;
}

export function attachWebSocket(server: Server, yoga: CairnYoga, authenticator: Authenticator, logger: Logger, options: WebSocketOptions): { close(): Promise<void> } {
  const { allowedOrigins } = options;
  const serverOptions = {
    server,
    path: yoga.graphqlEndpoint,
    // ws's own option (not in @types/ws): after close(), how long the peer has to read and answer before it is dropped.
    closeTimeout: options.slowSubscriberGraceMs,
    // Browsers send Origin and let any page open a WebSocket anywhere: only our own origin and listed ones get in.
    // Clients that are not browsers send no Origin.
    verifyClient: ({ origin, req }: { origin?: string; req: IncomingMessage }) => !origin || allowedOrigins.includes(origin) || isSameOrigin(origin, req),
  };
  const wss = new WebSocketServer(serverOptions);
  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      connectionInitWaitTimeout: 5_000,
      onConnect: (ctx) => {
        const fromParams = typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : null;
        const result = authenticator.authenticate(fromParams ?? ctx.extra.request.headers.authorization);
        if (!result.ok) return false;
        ctx.extra.actor = { operator: result.operator, ip: ctx.extra.request.socket.remoteAddress ?? 'unknown' };
        return true;
      },
      execute: (args) => (args as EnvelopedArgs).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedArgs).rootValue.subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          actor: ctx.extra.actor,
          requestId: requestIdFrom(null),
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
      onError: (_ctx, _id, _payload, errors) => {
        logger.warn({ errors: errors.map((e) => e.message) }, 'graphql-ws operation error');
      },
    },
    wss,
  );
  return {
    async close() {
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
