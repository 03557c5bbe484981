import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';

/** yoga writes a result with its `stringify` when it has one (graphql-jit sets it): see jsonStringifyResultWithoutInternals. */
interface Stringifiable {
  stringify?: (result: unknown) => string;
}

/**
 * Lets a query or mutation over HTTP write large documents' content from their JSON text (ResponseSplices): enabled
 * once the operation is executed (not subscribed: a stream's events are written elsewhere), and its result's
 * serializer replaces the placeholders.
 */
export function useResponseSplices(): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const splices = args.contextValue.splices;
      if (!splices) return;
      splices.enabled = true;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result || !splices.used) return;
          const written = result as Stringifiable;
          const stringify = written.stringify ?? ((r: unknown) => JSON.stringify(r));
          written.stringify = (r) => splices.write(r, stringify);
        },
      };
    },
  };
}
