import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body sent without a content-length (chunked), up to `maxBytes`: the body, or null as soon as it
 * grows past the cap (the rest is not read). Bodies with a content-length are refused on that header alone; a
 * chunked one only shows its size as it arrives, and yoga would otherwise buffer all of it.
 */
export function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
    // A client that goes away mid-body: nothing to serve (after 'end' or the cap this settles nothing).
    req.once('close', () => reject(new Error('the request was aborted before its body ended')));
  });
}

/** Whether the request carries a body without saying its size up front. */
export function isChunked(req: IncomingMessage): boolean {
  return req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined;
}
