import { type DocumentNode, type ExecutionResult, Kind, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { CairnError } from '../domain/errors.js';
import type { CairnMetrics, OperationType, SubscriptionTransport } from './metrics.js';
import { typedFailuresOf } from '../graphql/typed-failures.js';

/** What the plugin reads from an operation's context: the transport (set by the WebSocket server) and yoga's params. */
interface MetricsContext {
  readonly transport?: SubscriptionTransport;
  readonly params?: { readonly operationName?: string | null };
}

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Counts GraphQL operations by name, type and outcome, times queries and mutations, and keeps the gauge of open
 * subscriptions. Validation failures count too (they never reach execution); requests refused before that
 * (unauthenticated, unparsable) show in the HTTP request counter.
 */
export function useMetrics(metrics: CairnMetrics): Plugin<MetricsContext> {
  return {
    onValidate({ params, context }) {
      return ({ valid, result }) => {
        if (valid) return;
        const { name, type } = describe(metrics, params.documentAST, context.params?.operationName);
        metrics.operation(name, type, outcomeOf(result as readonly unknown[], context, 'GRAPHQL_VALIDATION_FAILED'));
      };
    },
    onExecute({ args }) {
      const started = performance.now();
      const { name, type } = describe(metrics, args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          metrics.operation(name, type, outcomeOf(result.errors ?? [], args.contextValue), (performance.now() - started) / 1000);
        },
      };
    },
    onSubscribe({ args }) {
      const { name } = describe(metrics, args.document, args.operationName);
      const transport = (args.contextValue as MetricsContext).transport ?? 'sse';
      return {
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) {
            metrics.operation(name, 'subscription', outcomeOf(result.errors ?? [], args.contextValue));
            return;
          }
          metrics.operation(name, 'subscription', 'ok');
          setResult(counted(result, metrics, transport));
        },
      };
    },
  };
}

function describe(metrics: CairnMetrics, document: DocumentNode, requested: string | null | undefined): { name: string; type: OperationType } {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const chosen = requested ? operations.find((o) => o.name?.value === requested) : operations.length === 1 ? operations[0] : undefined;
  const name = chosen?.name?.value ?? null;
  return { name: metrics.operationLabel(name), type: chosen?.operation ?? 'query' };
}

/** The first error's code (`fallback` when it has none), else the first typed failure a root field returned, else ok. */
function outcomeOf(errors: readonly unknown[], context: unknown, fallback = 'INTERNAL'): string {
  const first = errors[0];
  if (first !== undefined) return codeOf(first, fallback);
  return typedFailuresOf(context)[0] ?? 'ok';
}

/** Error codes come from the server (Cairn's, yoga's, graphql-armor's), but are checked anyway: labels stay tidy. */
function codeOf(error: unknown, fallback: string): string {
  const like = (typeof error === 'object' && error !== null ? error : {}) as { extensions?: { code?: unknown }; originalError?: unknown };
  const code = like.extensions?.code ?? (like.originalError instanceof CairnError ? like.originalError.code : fallback);
  return typeof code === 'string' && CODE.test(code) ? code : fallback;
}

/**
 * The subscription's stream, counted in the gauge until it ends whichever way: completed, failed, or returned
 * early (the client unsubscribed or went away, the server disconnected a slow subscriber or shut down).
 */
function counted(source: AsyncIterable<ExecutionResult>, metrics: CairnMetrics, transport: SubscriptionTransport): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  metrics.subscriptionOpened(transport);
  let open = true;
  const end = (): void => {
    if (!open) return;
    open = false;
    metrics.subscriptionClosed(transport);
  };
  return {
    async next() {
      try {
        const item = await iterator.next();
        if (item.done) end();
        return item;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      return (await iterator.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      end();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
