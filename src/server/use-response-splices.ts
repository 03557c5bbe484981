import type { Plugin } from 'graphql-yoga';
import { ResponseSplices } from '../graphql/response-splices.js';
import type { GraphQLContext } from '../graphql/context.js';

/**
 * Lets a query or mutation over HTTP write large documents' content from their JSON text (ResponseSplices): enabled
 * once the operation is executed (not subscribed: a stream's events are written elsewhere), and the response yoga
 * wrote, placeholders and all, is written again as bytes with the texts in place.
 */
export function useResponseSplices(): Plugin<GraphQLContext> {
  const executed = new WeakMap<Request, ResponseSplices[]>();
  return {
    onExecute({ args }) {
      const { splices, request } = args.contextValue;
      if (!splices || !request) return;
      splices.enabled = true;
      const operations = executed.get(request);
      if (operations) operations.push(splices);
      else executed.set(request, [splices]);
    },
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const operations = executed.get(request);
      if (!operations?.some((o) => o.used)) return;
      const body = ResponseSplices.body(await response.text(), operations);
      const headers = new fetchAPI.Headers(response.headers);
      headers.delete('content-length');
      setResponse(
        new fetchAPI.Response(body, {
          status: response.status,
          statusText: response.statusText,
          headers,
        }),
      );
    },
  };
}
