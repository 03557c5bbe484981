import type { IncomingMessage, ServerResponse } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type ExecutionArgs, Kind, type OperationDefinitionNode } from 'graphql';
import { withConsoleToken } from './graphiql-page.js';
import { type GraphiQLOptions, type Plugin, type YogaServerInstance, createGraphQLError, createYoga } from 'graphql-yoga';
import type { Logger } from 'pino';
import { CairnError } from '../domain/errors.js';
import type { GraphQLContext } from '../graphql/context.js';
import { schema } from '../graphql/schema.js';
import { ResponseSplices } from '../graphql/response-splices.js';
import type { Actor } from '../services/actor.js';
import { WorkBudget } from '../domain/work-budget.js';
import { createBlobSource } from '../services/blob-source.js';
import type { Cairn } from '../services/cairn.js';
import type { SlowSubscriberError } from '../services/feed-errors.js';
import type { Authenticator } from './authenticator.js';
import { endWhenExpired } from './expiring-connection.js';
import { LiveCredentials } from './live-credentials.js';
import type { CairnMetrics } from './metrics.js';
import { requestIdFrom } from './request-id.js';
import { disconnectSlowSseResponse } from './slow-subscriber.js';
import { useBodyStructureLimit } from './use-body-structure-limit.js';
import { type LimitSettings, useLimits } from './use-limits.js';
import { useMetrics } from './use-metrics.js';
import { useResponseSplices } from './use-response-splices.js';
import { useSharedEventResults } from './use-shared-event-results.js';

/** What the HTTP server (req/res) or the WebSocket server (actor, logger) hands to yoga per operation. */
export interface ServerContext {
  readonly req?: IncomingMessage;
  readonly res?: ServerResponse;
  readonly actor?: Actor;
  /** The WebSocket server's logger for this operation, bound to the request id it gave it; over HTTP it is made here. */
  readonly logger?: Logger;
  /** The WebSocket server's way to disconnect a slow subscriber; over HTTP (SSE) it is derived from `res`. */
  readonly onSlowSubscriber?: (error: SlowSubscriberError) => void;
  /** Set by the WebSocket server; operations over HTTP have none. */
  readonly transport?: 'ws';
}

export interface YogaOptions {
  readonly cairn: Cairn;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly graphiql: boolean;
  readonly limits: LimitSettings;
  readonly maxBatch: number;
  readonly corsOrigins: readonly string[];
  readonly slowSubscriberGraceMs: number;
  readonly metrics: CairnMetrics;
  /** CAIRN_MAX_READ_BYTES: document text one request may read (and parse, diff, blame). */
  readonly maxReadBytes: number;
}

const requestIds = new WeakMap<Request, string>();

function isQuery(args: ExecutionArgs): boolean {
  const operations = args.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = args.operationName ? operations.find((o) => o.name?.value === args.operationName) : operations[0];
  return operations.length > 0 && chosen?.operation === 'query';
}

/** GraphiQL's first tab: what Cairn is and a first query to run, instead of a generic GraphQL welcome. */
export const GRAPHIQL_WELCOME = `# Cairn: versioned configuration on Git, through GraphQL.
#
# Every write is a Git commit (who, when, from which IP, why: the commit's trailers). Writes take the version you
# read (expectedVersion) and answer typed errors (VersionConflict, SchemaViolation, ApprovalRequired...) with a code.
# With a tokens file, add the header {"authorization": "Bearer <token>"} below (Headers). Docs: the Docs panel here,
# README.md and docs/ in the repository. Run this (Ctrl-Enter) to see the namespaces you may read:

query Namespaces {
  namespaces(first: 20) {
    edges { node { name versionCount head { hash comment timestamp operator { name email } } } }
  }
}
`;

async function renderLocalGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return withConsoleToken(renderGraphiQL(options), options);
}

export type CairnYoga = YogaServerInstance<ServerContext, GraphQLContext>;

export function createCairnYoga(options: YogaOptions): CairnYoga {
  const { cairn, authenticator, logger } = options;
  // Subscriptions over SSE end when their token is revoked or expires, as WebSocket ones do (see LiveCredentials).
  const live = new LiveCredentials(authenticator);
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: options.graphiql ? { title: 'Cairn', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_WELCOME } : false,
    // yoga's own GraphiQL page loads its scripts from unpkg.com; this one carries them inline (about 9 MB, loaded
    // on first use only), so GraphiQL works offline and nothing is fetched from a CDN.
    renderGraphiQL: renderLocalGraphiQL,
    logging: false,
    batching: { limit: options.maxBatch },
    // Cairn takes no file uploads, and a multipart body's JSON would be parsed where useBodyStructureLimit cannot see it.
    multipart: false,
    // Same-origin only unless origins are listed: without this, yoga answers any site's preflight with `*`.
    cors: options.corsOrigins.length ? { origin: [...options.corsOrigins], credentials: false } : false,
    maskedErrors: { maskError: (error, message) => maskError(error, message) },
    // graphql-jit compiles each query once: large results (a diff of hundreds of documents) execute several times
    // faster. Mutations and subscriptions stay on graphql-js, whose error and stream handling they rely on.
    plugins: [
      useBodyStructureLimit(),
      ...useLimits(options.limits),
      useGraphQlJit({}, { enableIf: isQuery }),
      useResponseSplices(),
      useRequestLogging(),
      useMetrics(options.metrics),
      useSharedEventResults(options.metrics),
    ],
    context: async ({ request, req, res, actor, logger: wsLogger, onSlowSubscriber, transport }) => ({
      cairn,
      blobs: createBlobSource(new WorkBudget('CAIRN_MAX_READ_BYTES', options.maxReadBytes, 'bytes of documents one request reads')),
      logger: wsLogger ?? logger.child({ requestId: requestIds.get(request) ?? requestIdFrom(request.headers.get('x-request-id')) }),
      actor: actor ?? (await authenticateHttp(authenticator, request, req, res, live)),
      onSlowSubscriber: onSlowSubscriber ?? (res ? disconnectSlowSseResponse(res, options.slowSubscriberGraceMs) : undefined),
      // graphql-ws writes its messages itself: over a WebSocket, values are built.
      splices: transport === 'ws' ? undefined : new ResponseSplices(),
    }),
  });
}

async function authenticateHttp(
  authenticator: Authenticator,
  request: Request,
  req: IncomingMessage | undefined,
  res: ServerResponse | undefined,
  live: LiveCredentials,
): Promise<Actor> {
  const credential = request.headers.get('authorization');
  const result = await authenticator.authenticate(credential);
  if (!result.ok) {
    throw createGraphQLError(`unauthenticated: ${result.reason} token`, {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
    });
  }
  // Only an event stream lives long enough to outlast its token; it is cut off (the client reconnects and is refused).
  if (res && request.headers.get('accept')?.includes('text/event-stream')) {
    res.once(
      'close',
      live.track(credential, result.operator, () => res.destroy()),
    );
    // A single sign-on token's expiry is no credentials change the tokens announce: it is timed on its own.
    if ('expiresAt' in result) endWhenExpired(res, result.expiresAt, () => res.destroy());
  }
  return { operator: result.operator, ip: req?.socket.remoteAddress ?? 'unknown' };
}

interface GraphQLErrorLike {
  readonly originalError?: unknown;
  readonly path?: readonly (string | number)[];
  readonly extensions?: Record<string, unknown>;
}

/**
 * Expected failures keep their message and gain a code; anything else reaches the client as a bare "Unexpected
 * error.". Errors are inspected by shape, not `instanceof GraphQLError`, and made with yoga's createGraphQLError:
 * graphql-ws, yoga and our code may each hold a different copy of the graphql module (ESM and CommonJS).
 */
function maskError(error: unknown, message: string): Error {
  const like = (typeof error === 'object' && error !== null ? error : {}) as GraphQLErrorLike;
  const original = like.originalError ?? error;
  const path = like.path;
  if (original instanceof CairnError) {
    // A root field that failed (a refused subscription, a bad argument to a root connection) left nothing to
    // return: answer with a 4xx status, as GraphQL over HTTP asks of requests that produced no data.
    const http = !path || path.length <= 1 ? { status: HTTP_STATUS[original.code] ?? 400 } : undefined;
    return createGraphQLError(original.message, { path, extensions: { code: original.code, ...detailsOf(original), ...(http ? { http } : {}) } });
  }
  const isGraphQLError = error instanceof Error && error.name === 'GraphQLError';
  if (isGraphQLError && (!like.originalError || like.extensions?.http)) return error;
  return createGraphQLError(message, { path, extensions: { code: 'INTERNAL' } });
}

/** Errors that carry machine-readable details (where to resume a feed, …) expose them as `extensions`. */
function detailsOf(error: CairnError): Record<string, unknown> {
  const details = (error as { extensions?: unknown }).extensions;
  return typeof details === 'object' && details !== null ? { ...details } : {};
}

const HTTP_STATUS: Record<string, number> = { FORBIDDEN: 403, NOT_FOUND: 404 };

/**
 * One log line per operation, on the context's logger (bound to the request id); unexpected errors are logged in full
 * there (clients see them masked).
 */
function useRequestLogging(): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const ctx = args.contextValue;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          const errors = result.errors ?? [];
          for (const error of errors) {
            const original = error.originalError;
            if (original && !(original instanceof CairnError) && original.name !== 'GraphQLError') {
              ctx.logger.error({ err: original, path: error.path }, 'unexpected error');
            }
          }
          ctx.logger.info(
            {
              operation: args.operationName ?? null,
              operator: ctx.actor.operator.email,
              ms: Math.round(performance.now() - started),
              errors: errors.length,
            },
            'graphql operation',
          );
        },
      };
    },
    onRequest({ request }) {
      requestIds.set(request, requestIdFrom(request.headers.get('x-request-id')));
    },
    onResponse({ request, response }) {
      const id = requestIds.get(request);
      if (id) response.headers.set('x-request-id', id);
    },
  };
}
