import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Closes an idle keep-alive connection only after the event loop has had one turn to read from it. Node closes it
 * when its keep-alive timer fires, and timers run before I/O: after any long stretch of work, a request the client
 * already sent on that connection sat unread in the socket, and the client got ECONNRESET for it. With a listener
 * on the server's 'timeout', Node leaves the decision to us; the socket is closed only if nothing arrived.
 */
export function closeIdleConnectionsAfterReading(server: Server): void {
  server.on('timeout', (socket: Socket) => {
    const bytesRead = socket.bytesRead;
    setImmediate(() => {
      if (socket.bytesRead === bytesRead && !socket.destroyed) socket.destroy();
    });
  });
}
