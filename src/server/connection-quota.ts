import type { OutgoingHttpHeaders } from 'node:http';
import type { WebSocket } from 'ws';

/** How an upgrade over a cap is answered, before the WebSocket handshake: an HTTP status, a JSON body, headers. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly body: string;
  readonly headers: OutgoingHttpHeaders;
}

export const TOO_MANY_CONNECTIONS = 'TOO_MANY_CONNECTIONS';

/**
 * Open WebSockets per client address (see client-address.ts), so that one client cannot hold every socket the
 * process can serve. An upgrade over the cap is refused with 429 before the handshake: nothing of it is kept.
 * A socket counts from its handshake until it closes, however it closes (ws emits `close` once for every socket
 * that opened: closed by either side, terminated, reset, timed out).
 */
export class ConnectionQuota {
  private readonly open = new Map<string, number>();

  /** @param maxPerAddress 0: no cap. */
  constructor(private readonly maxPerAddress: number) {}

  /**
   * Why a new connection from `address` is refused, or null when it may open. Only checked here: `opened` counts
   * it in the same tick, when ws completes the handshake (ws verifies and upgrades synchronously).
   */
  refusal(address: string): UpgradeRefusal | null {
    if (this.maxPerAddress === 0 || (this.open.get(address) ?? 0) < this.maxPerAddress) return null;
    const message = `too many WebSocket connections from ${address} (${this.maxPerAddress} open): close one before opening another`;
    const body = JSON.stringify({ errors: [{ message, extensions: { code: TOO_MANY_CONNECTIONS, limit: this.maxPerAddress } }] });
    return { status: 429, body, headers: { 'Content-Type': 'application/json' } };
  }

  opened(socket: WebSocket, address: string): void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
    socket.once('close', () => this.closed(address));
  }

  private closed(address: string): void {
    const left = (this.open.get(address) ?? 1) - 1;
    if (left > 0) this.open.set(address, left);
    else this.open.delete(address);
  }
}
