import type { Logger } from 'pino';
import type { WebSocket } from 'ws';

/**
 * ws emits `error` on a socket only for what its peer sent (a message over the payload cap, a bad frame, invalid
 * UTF-8), after it already closed the socket with the matching code (1009, 1002, 1007). graphql-ws prints each
 * one to stderr as an "internal error" and tries to close again with 1011: they are the client's doing, so they
 * are logged as warnings instead. Call after graphql-ws's `connection` listener has run (its listener is the one
 * replaced).
 */
export function reportClientProtocolErrors(socket: WebSocket, logger: Logger, address: string): void {
  socket.removeAllListeners('error');
  socket.on('error', (error: Error & { code?: string }) => {
    logger.warn({ address, code: error.code, message: error.message }, 'WebSocket closed: the client broke the protocol');
  });
}
