import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CairnMetrics } from './metrics.js';

/**
 * Who may scrape /metrics. Without a token, only clients on the loopback interface (a sidecar, an agent on the
 * host): metric labels name namespaces and operations. With `CAIRN_METRICS_TOKEN`, anyone sending it as a bearer
 * token, loopback included.
 */
export class MetricsEndpoint {
  private readonly digest: Buffer | null;

  constructor(
    private readonly metrics: CairnMetrics,
    token: string | null,
  ) {
    this.digest = token === null ? null : sha256(token);
  }

  async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = this.refusal(req);
    if (refusal) {
      res
        .writeHead(refusal.status, { 'content-type': 'application/json', ...(refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {}) })
        .end(JSON.stringify({ error: refusal.message }));
      return;
    }
    const { contentType, text } = await this.metrics.scrape();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(text);
  }

  private refusal(req: IncomingMessage): { status: number; message: string } | null {
    if (this.digest === null) {
      return isLoopbackPeer(req.socket.remoteAddress)
        ? null
        : { status: 403, message: 'metrics are served to loopback clients only; set CAIRN_METRICS_TOKEN to scrape from elsewhere' };
    }
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    // Digests have one length, so the comparison takes the same time whatever was sent.
    if (match?.[1] && timingSafeEqual(sha256(match[1]), this.digest)) return null;
    return { status: 401, message: 'metrics need the bearer token of CAIRN_METRICS_TOKEN' };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}
