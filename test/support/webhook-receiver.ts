import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it. */
export interface Received {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly path: string;
}

/** What to answer the n-th request (0-based): a status, or 'hold' to never answer. */
export type Responder = (n: number, request: Received) => number | 'hold' | { status: number; headers: Record<string, string> };

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  respond: Responder;
  /** Resolves once `count` requests arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records webhook requests and answers as told. */
export async function startReceiver(respond: Responder = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const held: { destroy: () => void }[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    respond,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver: ${received.length}/${count} requests after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const h of held) h.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = {
        id: String(req.headers['webhook-id'] ?? ''),
        timestamp: String(req.headers['webhook-timestamp'] ?? ''),
        signature: String(req.headers['webhook-signature'] ?? ''),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        path: req.url ?? '/',
      };
      const answer = receiver.respond(received.length, request);
      received.push(request);
      for (const w of waiters.splice(0)) w();
      if (answer === 'hold') {
        held.push(res.socket ?? { destroy: () => undefined });
        return;
      }
      const { status, headers } = typeof answer === 'number' ? { status: answer, headers: {} } : answer;
      res.writeHead(status, headers).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(receiver, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` });
}

/**
 * Standard Webhooks verification written from the spec alone (no product code): the key is the base64 after
 * `whsec_`; the signed content is `${webhook-id}.${webhook-timestamp}.${body}`; the header holds space-separated
 * `v1,<base64 HMAC-SHA256>` signatures, any of which may match; the timestamp must be within 5 minutes.
 */
export function verifyStandardWebhook(secret: string, request: Pick<Received, 'id' | 'timestamp' | 'signature' | 'body'>, now = Date.now()): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${request.id}.${request.timestamp}.${request.body}`).digest();
  const age = Math.abs(now / 1000 - Number(request.timestamp));
  if (!Number.isFinite(age) || age > 300) return false;
  return request.signature.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
