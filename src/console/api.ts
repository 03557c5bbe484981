import { type Client, createClient } from 'graphql-ws';
import { type TadaDocumentNode, documentText } from './graphql.js';
import { authorization } from './session.js';

/** The server refused the token (HTTP 401, or the WebSocket closed with 4403). */
export class Unauthenticated extends Error {}

/** A GraphQL error the console did not expect (expected failures are result unions, handled where they occur). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface Response<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface Api {
  request<R, V>(document: TadaDocumentNode<R, V>, variables: V): Promise<R>;
  /** A GET of one of the server's plain HTTP endpoints (an audit export) with the console's token. */
  get(path: string): Promise<globalThis.Response>;
  /** The live change feed: one graphql-ws connection per signed-in session. */
  readonly sockets: Client;
  close(): void;
}

/** How the server told the console its token is refused. */
export type Refusal = 'http' | 'websocket';

export function createApi(token: string, onUnauthenticated: (via: Refusal) => void): Api {
  const sockets = createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    // Where the server reads the token of a WebSocket (websocket.ts): connectionParams.authorization.
    connectionParams: authorization(token),
    lazy: true,
    // Switching namespaces ends one subscription a moment before the next starts: keep the socket meanwhile.
    lazyCloseTimeout: 5_000,
    // A console left open rides out server restarts: keep retrying (graphql-ws backs off between attempts).
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => !(isCloseEvent(event) && event.code === 4403),
    on: {
      closed: (event) => {
        if (isCloseEvent(event) && event.code === 4403) onUnauthenticated('websocket');
      },
    },
  });
  return {
    sockets,
    async request(document, variables) {
      const response = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authorization(token) },
        body: JSON.stringify({ query: documentText(document), variables }),
      });
      if (response.status === 401) {
        onUnauthenticated('http');
        throw new Unauthenticated('The server refused this token.');
      }
      const body = (await response.json()) as Response<never>;
      const first = body.errors?.[0];
      if (first || !body.data) throw new ApiError(first?.message ?? `HTTP ${response.status}`, first?.extensions?.code);
      return body.data;
    },
    async get(path) {
      const response = await fetch(path, { headers: authorization(token) });
      if (response.status === 401) {
        onUnauthenticated('http');
        throw new Unauthenticated('The server refused this token.');
      }
      return response;
    },
    close: () => void sockets.dispose(),
  };
}

function isCloseEvent(event: unknown): event is CloseEvent {
  return typeof event === 'object' && event !== null && 'code' in event;
}
