import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type ReadinessStatus = 'starting' | 'ready' | 'stopping';

/** How long clients refused while the server starts are told to wait before retrying (Retry-After). */
const RETRY_AFTER_SECONDS = 1;

/**
 * Whether this process should be sent traffic. It listens before it is ready (so `/healthz` shows it alive while
 * the commit indexes load), is ready once everything is loaded, and stops being ready as shutdown begins, so a
 * load balancer drains it before it stops accepting connections.
 */
export class Readiness {
  private status: ReadinessStatus = 'starting';
  private reason = 'starting';

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
    if (this.status === 'starting') this.status = 'ready';
  }

  markStopping(): void {
    this.status = 'stopping';
    this.reason = 'shutting down';
  }

  /** GET /readyz: 200 when ready, else 503 with the status and why. */
  answer(res: ServerResponse): void {
    const body = this.ready ? { status: 'ready' } : { status: this.status, reason: this.reason };
    res.writeHead(this.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  }

  /** A GraphQL request that came before the server was ready: 503 with a GraphQL error clients can read. */
  refuseRequest(res: ServerResponse): void {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_SECONDS) }).end(JSON.stringify(this.notReadyBody()));
  }

  /** A WebSocket upgrade that came before the server was ready: the same answer, on the raw socket. */
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
