import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { SlowSubscriberError } from '../services/feed-errors.js';

/** WebSocket close code for a connection cut off because a subscription fell too far behind (4xxx: private use). */
export const SLOW_SUBSCRIBER_CLOSE_CODE = 4413;

/** A close reason is at most 123 bytes: the version to resume from fits, the full message does not. */
export function slowSubscriberCloseReason(error: SlowSubscriberError): string {
  return error.resumeFrom ? `slow subscriber: resubscribe with since=${error.resumeFrom}` : 'slow subscriber: resubscribe with since=<last version received>';
}

/**
 * graphql-ws awaits each send, so a client that stops reading stalls only its own subscriptions. The close frame
 * queues behind what was already sent: a client that reads again gets every event it was sent, then the reason.
 * One that does not is dropped after the server's close timeout (the grace setting).
 */
export function disconnectSlowWebSocket(socket: WebSocket, error: SlowSubscriberError): void {
  if (socket.readyState === socket.OPEN) socket.close(SLOW_SUBSCRIBER_CLOSE_CODE, slowSubscriberCloseReason(error));
}

/**
 * Over SSE nothing can overtake the stalled stream: the error is its last event, written when the client reads again.
 * A client that does not read within the grace period is dropped.
 */
export function disconnectSlowSseResponse(res: ServerResponse, graceMs: number): () => void {
  return () => {
    if (res.writableFinished || res.destroyed) return;
    const timer = setTimeout(() => res.destroy(), graceMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
  };
}
