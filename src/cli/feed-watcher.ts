// The client entry alone: graphql-ws' main entry also loads its server, and with it the whole graphql package.
import { createClient } from 'graphql-ws/client';
import WebSocket from 'ws';
import { type Connection, authorization, websocketUrl } from './connection.js';
import { isNullVersion } from '../domain/null-version.js';
import { CliError, type GraphQLErrorBody, graphqlError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { CHANGES } from './operations.js';

export interface FeedEvent {
  readonly version: string;
  readonly sequence: number;
  readonly [field: string]: unknown;
}

export interface WatchRequest {
  readonly namespace: string;
  /** Resume after this version (NULL_VERSION: from the namespace's first commit); null: from now on. */
  readonly since: string | null;
  readonly pathPrefix: string | null;
}

/** How one connection ended, when the watch should go on: reconnect and resume. */
interface Ending {
  /** Whether the connection was ever acknowledged (false: the server could not be reached). */
  readonly connected: boolean;
  /** Whether it was worth having: it delivered an event, or stayed up at least MAX_DELAY_MS. */
  readonly healthy: boolean;
  readonly description: string;
}

/** graphql-ws's own retries resubscribe with the original variables (a gap or a repeat); we resume ourselves. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;
/** Close codes after which reconnecting cannot help. */
const FORBIDDEN_CLOSE = 4403;

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number' && 'reason' in value;
}

function isGraphQLErrors(value: unknown): value is GraphQLErrorBody[] {
  return Array.isArray(value) && value.every((e) => typeof e === 'object' && e !== null && 'message' in e);
}

/** The slow-subscriber cut-off as a GraphQL error (it usually comes as close 4413): resumable like the close. */
function isSlowSubscriber(errors: unknown): boolean {
  return isGraphQLErrors(errors) && errors.some((e) => e.extensions?.code === 'SLOW_SUBSCRIBER');
}

/**
 * The change feed with resume: every event after `since` once, in order, across dropped connections, server
 * restarts and the server's slow-subscriber close (4413), by resubscribing with `since` = the last version handed
 * on. Events at or below the last sequence seen are dropped, so nothing is printed twice whatever the server replays.
 */
export class FeedWatcher {
  private since: string | null;
  private lastSequence = -1;
  private stopped = false;
  private dispose: (() => void) | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly request: WatchRequest,
    private readonly onEvent: (event: FeedEvent) => void,
    private readonly onNote: (text: string) => void,
  ) {
    this.since = request.since;
  }

  /** Runs until stop(); rejects with a CliError for what reconnecting cannot fix. */
  async run(): Promise<void> {
    let delay = FIRST_DELAY_MS;
    let everConnected = false;
    while (!this.stopped) {
      const ending = await this.once();
      if (this.stopped) return;
      if (!ending.connected && !everConnected)
        throw new CliError(`cannot reach ${websocketUrl(this.connection)}: ${ending.description}`, ExitCode.unreachable, 'Unreachable');
      if (ending.connected) everConnected = true;
      // Only a connection that did some good resets the backoff: one accepted and dropped at once (a proxy, a
      // failing server) would otherwise be retried four times a second for ever.
      if (ending.healthy) delay = FIRST_DELAY_MS;
      // ±20%: watchers cut off together (a server restart) do not all come back in the same instant.
      const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
      this.onNote(`feed connection ended (${ending.description}); resuming after ${this.resumePoint()} in ${wait} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.dispose = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }

  private resumePoint(): string {
    if (this.since === null) return 'the start of the watch';
    return isNullVersion(this.since) ? 'the start of the namespace' : this.since;
  }

  stop(): void {
    this.stopped = true;
    this.dispose?.();
  }

  private once(): Promise<Ending> {
    let connected = false;
    const started = Date.now();
    const delivered = this.lastSequence;
    const client = createClient({
      url: websocketUrl(this.connection),
      webSocketImpl: WebSocket,
      connectionParams: authorization(this.connection),
      retryAttempts: 0,
      lazy: true,
      keepAlive: 10_000,
      on: { connected: () => (connected = true) },
    });
    const variables = { ns: this.request.namespace, since: this.since, prefix: this.request.pathPrefix };
    const ended = (description: string): Ending => ({
      connected,
      healthy: connected && (this.lastSequence > delivered || Date.now() - started >= MAX_DELAY_MS),
      description,
    });
    return new Promise<Ending>((resolve, reject) => {
      const unsubscribe = client.subscribe<{ changes: FeedEvent }>(
        { query: CHANGES, variables },
        {
          next: (value) => {
            if (isSlowSubscriber(value.errors)) resolve(ended('the server cut off a slow subscriber'));
            else if (value.errors?.length) reject(graphqlError(value.errors as GraphQLErrorBody[]));
            else if (value.data) this.deliver(value.data.changes);
          },
          error: (error: unknown) => {
            if (isSlowSubscriber(error)) resolve(ended('the server cut off a slow subscriber'));
            else if (isGraphQLErrors(error)) reject(graphqlError(error));
            else if (isCloseEvent(error) && error.code === FORBIDDEN_CLOSE)
              reject(new CliError('the server refused the token for the change feed', ExitCode.forbidden, 'Unauthenticated'));
            else if (isCloseEvent(error)) resolve(ended(`closed ${error.code}${error.reason ? ` ${error.reason}` : ''}`));
            else resolve(ended(error instanceof Error ? error.message : 'connection error'));
          },
          complete: () => resolve(ended('the server ended the subscription')),
        },
      );
      this.dispose = unsubscribe;
      // Disposing a client whose connection never opened rejects with that connection's error, already told above.
    }).finally(() => void Promise.resolve(client.dispose()).catch(() => undefined));
  }

  private deliver(event: FeedEvent): void {
    if (event.sequence <= this.lastSequence) return;
    this.lastSequence = event.sequence;
    this.since = event.version;
    this.onEvent(event);
  }
}
