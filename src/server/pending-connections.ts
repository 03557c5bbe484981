import type { WebSocket } from 'ws';

/** WebSocket close code "Try Again Later" (RFC 6455 registry): the server is overloaded, retrying later may work. */
export const TRY_AGAIN_LATER_CLOSE_CODE = 1013;

/**
 * WebSockets that have not sent `connection_init` yet: nobody knows who they are, yet each may be buffering a
 * message of up to the payload cap. Past the cap, the oldest of them is closed (1013) to make room, rather than
 * refusing the newcomer: a client that means to connect sends `connection_init` within a round trip of its
 * handshake and is almost never the oldest, while sockets opened only to sit there are. Refusing newcomers instead
 * would let anyone who holds the cap's worth of idle sockets (re-opened every connection_init timeout) keep every
 * other client out. The connection_init timeout (4408) still closes each of them after 5 s.
 */
export class PendingConnections {
  /** Each socket with its client's address, in the order they opened: the first is the oldest. */
  private readonly waiting = new Map<WebSocket, string>();

  constructor(
    private readonly max: number,
    private readonly onEvicted: (address: string) => void = () => undefined,
  ) {}

  opened(socket: WebSocket, address: string): void {
    this.waiting.set(socket, address);
    socket.once('close', () => this.waiting.delete(socket));
    if (this.waiting.size <= this.max) return;
    const [oldest, oldestAddress] = this.waiting.entries().next().value ?? [];
    if (!oldest || oldestAddress === undefined) return;
    this.waiting.delete(oldest);
    this.onEvicted(oldestAddress);
    oldest.close(TRY_AGAIN_LATER_CLOSE_CODE, 'too many connections awaiting connection_init: retry');
  }

  /** Its connection_init arrived: it is the authenticator's now. */
  initialised(socket: WebSocket): void {
    this.waiting.delete(socket);
  }
}
