import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type ReadinessStatus = 'starting' | 'ready' | 'stopping';

/** How long clients refused while the server starts are told to wait before retrying (Retry-After). */
const RETRY_AFTER_SECONDS = 1;

/**
 * Whether this process should be sent traffic. It listens before it is ready (so `/healthz` shows it alive while
 * it starts), is ready once its services are started (namespaces' commit indexes load on first use, see
 * IndexWarmUp), and stops being ready as shutdown begins, so a
 * load balancer drains it before it stops accepting connections.
 *
 * Requests that arrive while it starts wait for it (up to CAIRN_READY_WAIT_MS) rather than being refused at once:
 * whoever started the server and sent a request right away (a deploy script, a test, a client that took /healthz
 * to mean ready, as it did before /readyz existed) gets its answer, with no retry logic of its own. Load
 * balancers never send traffic before /readyz says so, and a start that takes too long still ends in a clear 503.
 */
export class Readiness {
  private status: ReadinessStatus = 'starting';
  private reason = 'starting';
  private readonly settled: Promise<boolean>;
  private settle!: (ready: boolean) => void;

  constructor() {
    this.settled = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get ready(): boolean {
    return this.status === 'ready';
  }

  get starting(): boolean {
    return this.status === 'starting';
  }

  /** What startup is doing now (shown by /readyz). */
  progress(reason: string): void {
    if (this.status === 'starting') this.reason = reason;
  }

  markReady(): void {
    if (this.status !== 'starting') return;
    this.status = 'ready';
    this.settle(true);
  }

  /** Shutdown began (or startup failed): not ready, and never again. */
  markStopping(): void {
    this.status = 'stopping';
    this.reason = 'shutting down';
    this.settle(false);
  }

  /** True once ready; false when startup failed or `timeoutMs` passed first. */
  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.status !== 'starting') return this.ready;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.settled, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET /readyz: 200 when ready, else 503 with the status and why. */
  answer(res: ServerResponse): void {
    const body = this.ready ? { status: 'ready' } : { status: this.status, reason: this.reason };
    res.writeHead(this.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  }

  /** A GraphQL request that waited in vain for the server to be ready: 503 with a GraphQL error clients can read. */
  refuseRequest(res: ServerResponse): void {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS) }).end(JSON.stringify(this.notReadyBody()));
  }

  /** A WebSocket upgrade that waited in vain: the same answer, on the raw socket. */
  refuseUpgrade(socket: Duplex): void {
    const body = JSON.stringify(this.notReadyBody());
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: ${RETRY_AFTER_SECONDS}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }

  private notReadyBody(): object {
    const message = `Cairn is not ready yet (${this.reason}): retry shortly`;
    return { errors: [{ message, extensions: { code: 'NOT_READY', status: this.status, reason: this.reason } }] };
  }
}
