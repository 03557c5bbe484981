import http from 'node:http';
import net from 'node:net';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';

/** The event fields the feed tests look at (each test selects what it needs). */
export interface FeedEvent {
  readonly version: string;
  readonly parentVersion?: string | null;
  readonly sequence?: number;
  readonly action?: string | null;
  readonly documents?: readonly { path: string; status?: string; oldContent?: unknown; newContent?: unknown; tooLarge?: boolean }[];
}

export interface GraphQLErrorJson {
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

/** Everything one subscription delivered, as it arrives. */
export interface Recording {
  readonly events: FeedEvent[];
  readonly errors: GraphQLErrorJson[];
  /** Transport-level failures (a graphql-ws close event, a network error). */
  readonly failures: unknown[];
  completed: boolean;
  stop(): void;
}

/** Subscribes to `changes` through a graphql-ws client and records every event until stopped. */
export function recordWs(client: Client, query: string, variables: Record<string, unknown>): Recording {
  const recording: Recording = { events: [], errors: [], failures: [], completed: false, stop: () => undefined };
  recording.stop = client.subscribe<{ changes: FeedEvent | null }>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) recording.errors.push(...(result.errors as GraphQLErrorJson[]));
        else if (result.data?.changes) recording.events.push(result.data.changes);
      },
      error: (error) => recording.failures.push(error),
      complete: () => {
        recording.completed = true;
      },
    },
  );
  return recording;
}

/** Subscribes over SSE (POST /graphql, `accept: text/event-stream`) and records every event until stopped. */
export function recordSse(baseUrl: string, query: string, variables: Record<string, unknown>, token?: string): Recording {
  const controller = new AbortController();
  const recording: Recording = { events: [], errors: [], failures: [], completed: false, stop: () => controller.abort() };
  fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  })
    .then((res) => readSse(res, recording))
    .catch((error: unknown) => {
      if (!controller.signal.aborted) recording.failures.push(error);
    });
  return recording;
}

async function readSse(res: Response, recording: Recording): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let split: number;
    while ((split = buffer.indexOf('\n\n')) >= 0) {
      onSseFrame(buffer.slice(0, split), recording);
      buffer = buffer.slice(split + 2);
    }
  }
}

function onSseFrame(frame: string, recording: Recording): void {
  const lines = frame.split('\n');
  const event = lines
    .find((l) => l.startsWith('event:'))
    ?.slice(6)
    .trim();
  const data = lines
    .find((l) => l.startsWith('data:'))
    ?.slice(5)
    .trim();
  if (event === 'complete') recording.completed = true;
  if (event !== 'next' || !data) return;
  const result = JSON.parse(data) as { data?: { changes: FeedEvent | null }; errors?: GraphQLErrorJson[] };
  if (result.errors) recording.errors.push(...result.errors);
  else if (result.data?.changes) recording.events.push(result.data.changes);
}

/** Polls until `condition` holds; fails with `describe()` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A graphql-transport-ws client written by hand over `ws`, on a TCP socket the test can stop reading: the kernel
 * buffers fill, then the server's writes stall, as with a client that hangs or reads too slowly.
 */
export class StallableWsClient {
  readonly events: FeedEvent[] = [];
  readonly errors: GraphQLErrorJson[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private socket: net.Socket | null = null;
  private readonly ws: WebSocket;

  private constructor(url: string, query: string, variables: Record<string, unknown>) {
    this.ws = new WebSocket(url, 'graphql-transport-ws', {
      createConnection: (options: net.NetConnectOpts) => this.connect(options),
    } as WebSocket.ClientOptions);
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('open', () => this.send({ type: 'connection_init', payload: {} }));
    this.ws.on('message', (data) => this.onMessage(String(data), query, variables));
  }

  static open(httpUrl: string, query: string, variables: Record<string, unknown>): StallableWsClient {
    return new StallableWsClient(`${httpUrl.replace('http', 'ws')}/graphql`, query, variables);
  }

  /** Stops reading the socket (the server's kernel buffers fill, then its writes stall). */
  stall(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  close(): void {
    this.ws.terminate();
  }

  private connect(options: net.NetConnectOpts): net.Socket {
    this.socket = net.connect(options);
    return this.socket;
  }

  private send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  private onMessage(text: string, query: string, variables: Record<string, unknown>): void {
    const message = JSON.parse(text) as { type: string; payload?: { data?: { changes: FeedEvent | null }; errors?: GraphQLErrorJson[] } };
    if (message.type === 'connection_ack') this.send({ id: 'feed', type: 'subscribe', payload: { query, variables } });
    if (message.type === 'next' && message.payload?.errors) this.errors.push(...message.payload.errors);
    else if (message.type === 'next' && message.payload?.data?.changes) this.events.push(message.payload.data.changes);
  }
}

/** An SSE subscription over node:http, whose response the test can stop reading. */
export class StallableSseClient {
  readonly events: FeedEvent[] = [];
  readonly errors: GraphQLErrorJson[] = [];
  /** Resolves with how the response ended: `complete` after the last event, or `aborted` (connection dropped). */
  readonly ended: Promise<'complete' | 'aborted'>;
  private response: http.IncomingMessage | null = null;
  private completed = false;
  /** Asked to stall before the response arrived: it is paused as soon as it does. */
  private stalled = false;

  constructor(httpUrl: string, query: string, variables: Record<string, unknown>) {
    const request = http.request(`${httpUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' } });
    this.ended = new Promise((resolve) => {
      request.on('error', () => resolve('aborted'));
      request.on('response', (response) => {
        this.response = response;
        this.read(response);
        if (this.stalled) response.pause();
        response.on('end', () => resolve(this.completed ? 'complete' : 'aborted'));
        response.on('error', () => resolve('aborted'));
      });
    });
    request.end(JSON.stringify({ query, variables }));
  }

  stall(): void {
    this.stalled = true;
    this.response?.pause();
  }

  resume(): void {
    this.stalled = false;
    this.response?.resume();
  }

  close(): void {
    this.response?.destroy();
  }

  private read(response: http.IncomingMessage): void {
    const sink: Recording = { events: this.events, errors: this.errors, failures: [], completed: false, stop: () => undefined };
    let buffer = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        onSseFrame(buffer.slice(0, split), sink);
        buffer = buffer.slice(split + 2);
      }
      this.completed = sink.completed;
    });
  }
}
