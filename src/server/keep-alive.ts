import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Closes an idle keep-alive connection only after the event loop has had one turn to read from it. Node closes it
 * when its keep-alive timer fires, and timers run before I/O: after any long stretch of work, a request the client
 * already sent on that connection sat unread in the socket, and the client got ECONNRESET for it. With a listener
 * on the server's 'timeout', Node leaves the decision to us; the socket is closed only if nothing arrived.
 */
export function closeIdleConnectionsAfterReading(server: Server, keepAliveMs: number): void {
  // Node's default (5 s) is shorter than the idle time of the pools in front of it (proxies keep 60 s): they would
  // send requests on connections this server is closing. The client library and fetch read the Keep-Alive header's
  // timeout Node sends from this setting. A request's headers have their own, longer, limit.
  server.keepAliveTimeout = keepAliveMs;
  server.headersTimeout = Math.max(server.headersTimeout, keepAliveMs + 1_000);
  server.on('timeout', (socket: Socket) => {
    const bytesRead = socket.bytesRead;
    setImmediate(() => {
      if (socket.bytesRead === bytesRead && !socket.destroyed) socket.destroy();
    });
  });
}
