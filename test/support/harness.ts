import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import pino, { type Logger } from 'pino';
import WebSocket from 'ws';
import type { FaultHook } from '../../src/git/durable-file.js';
import { type RunningServer, startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import type { TestToken } from './tokens.js';

export type { TestToken } from './tokens.js';

/** The git CLI needs an identity for tags and commits made by tests, whatever the machine's global config says. */
const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Git CLI', GIT_AUTHOR_EMAIL: 'cli@example.com', GIT_COMMITTER_NAME: 'Git CLI', GIT_COMMITTER_EMAIL: 'cli@example.com' };

export interface Harness {
  readonly url: string;
  readonly dataDir: string;
  readonly server: RunningServer;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResponse<T>>;
  ws(token?: string | null): Client;
  git(namespace: string, ...args: string[]): string;
  /** Stops the server (as a deploy would) and starts a new one on the same data and settings; `url` and `server` change. */
  restart(): Promise<void>;
  /** Stops the server, data kept: Cairn is down until restart(). With a fixed CAIRN_PORT, `url` comes back the same. */
  stop(): Promise<void>;
  /** Stops the server and removes its directory; `keepData` leaves the data directory for another server to open (its caller removes it). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface GqlResponse<T> {
  readonly status: number;
  readonly data: T;
  readonly errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * How `gql()` reaches the server. `in-process` hands the request to yoga (`yoga.fetch`, as graphql-yoga tests its
 * own plugins), as if from a loopback peer: no socket, no HTTP parsing, several times faster per request. `http`
 * sends it over a loopback connection through the HTTP server's own handling first (body caps, readiness, HTTP
 * metrics): for tests of that handling. Either way the server listens, so `url` and `ws()` are real.
 */
export type GqlTransport = 'in-process' | 'http';

export interface HarnessOptions {
  readonly tokens?: TestToken[];
  readonly env?: Record<string, string>;
  readonly faults?: FaultHook;
  readonly clock?: () => Date;
  /** The server's logger; silent (or TEST_LOG_LEVEL) by default. */
  readonly logger?: Logger;
  /** `in-process` unless the test is about what the HTTP server does before yoga. */
  readonly transport?: GqlTransport;
}

/** A real Cairn server on a random loopback port over a fresh data directory. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const root = mkdtempSync(path.join(tmpdir(), 'cairn-test-'));
  const dataDir = path.join(root, 'repos');
  let tokensFile: string | undefined;
  if (options.tokens) {
    tokensFile = path.join(root, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tokens: options.tokens }));
  }
  const settings = readSettings({
    CAIRN_DATA_DIR: dataDir,
    CAIRN_PORT: '0',
    CAIRN_FSYNC: 'false',
    ...(tokensFile ? { CAIRN_TOKENS_FILE: tokensFile } : {}),
    ...options.env,
  });
  const start = (): Promise<RunningServer> =>
    startServer(settings, {
      logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      ...(options.faults ? { faults: options.faults } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  let server = await start();
  let stopped = false;
  const defaultToken = options.tokens?.[0]?.token ?? null;
  const transport = (running: RunningServer): Post => (options.transport === 'http' ? overHttp(running.url) : inProcess(running));
  let post = transport(server);
  const clients: Client[] = [];
  return {
    get url() {
      return server.url;
    },
    dataDir,
    get server() {
      return server;
    },
    async gql(query, variables = {}, token = defaultToken) {
      const res = await post({
        method: 'POST',
        // What Node's fetch sends by default: yoga chooses the response's media type (and so its status codes) from it.
        headers: { 'content-type': 'application/json', accept: '*/*', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data: never; errors?: never };
      return { status: res.status, data: body.data, errors: body.errors };
    },
    ws(token = defaultToken) {
      const client = createClient({
        url: `${server.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    git(namespace, ...args) {
      return execFileSync('git', ['--git-dir', path.join(dataDir, `${namespace}.git`), ...args], {
        encoding: 'utf8',
        env: { ...process.env, ...GIT_IDENTITY },
      });
    },
    async stop() {
      await server.close();
      stopped = true;
    },
    async restart() {
      if (!stopped) await server.close();
      server = await start();
      stopped = false;
      post = transport(server);
    },
    async close(options = {}) {
      await Promise.all(clients.map((c) => c.dispose()));
      if (!stopped) await server.close();
      if (!options.keepData) rmSync(root, { recursive: true, force: true });
    },
  };
}

type Post = (init: RequestInit) => Promise<Response>;

function overHttp(url: string): Post {
  return (init) => fetch(`${url}/graphql`, init);
}

/**
 * yoga's context reads the caller's address from the Node request (`req.socket.remoteAddress`), as it does for a
 * request that came over a socket: an in-process request carries a Node request from a loopback peer, so that the
 * operator is authenticated and recorded (Cairn-Operator-IP) as over HTTP.
 */
function inProcess(server: RunningServer): Post {
  const peer = new Socket();
  Object.defineProperty(peer, 'remoteAddress', { value: '127.0.0.1' });
  const req = new IncomingMessage(peer);
  return async (init) => server.yoga.fetch('http://yoga/graphql', init, { req });
}

/** Collects `count` events from a subscription, or fails after `timeoutMs`. */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  count: number,
  timeoutMs = 15_000,
): { done: Promise<T[]>; received: T[] } {
  const received: T[] = [];
  const done = new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`timed out with ${received.length}/${count} events`));
    }, timeoutMs);
    const dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) {
            clearTimeout(timer);
            dispose();
            reject(new Error(JSON.stringify(value.errors)));
            return;
          }
          received.push(value.data as T);
          if (received.length === count) {
            clearTimeout(timer);
            dispose();
            resolve(received);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => undefined,
      },
    );
  });
  return { done, received };
}
