import http from 'node:http';
import https from 'node:https';
import { InvalidWebhookUrlError } from '../../domain/errors.js';
import type { SsrfGuard } from './ssrf-guard.js';

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  /** Aborts the attempt (server shutdown). */
  readonly signal: AbortSignal;
}

export interface AttemptResult {
  /** null when no response came: network error, timeout, refused address. */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  /** Aborted by `signal`: the attempt says nothing about the endpoint. */
  readonly aborted: boolean;
}

/** Response bytes read (and thrown away) before the connection is closed: receivers have nothing to tell us. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One POST, through node:http/https rather than fetch: only they take a `lookup`, which is where the SSRF guard
 * checks the resolved addresses. Redirects are never followed (node:http does not follow them; a 3xx is a failed
 * attempt), a fresh connection is made each time (no agent: each attempt is checked again), and the whole
 * exchange, body included, has one deadline.
 */
export class WebhookSender {
  constructor(private readonly guard: SsrfGuard) {}

  send(request: WebhookRequest): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    let checked;
    try {
      checked = this.guard.check(request.url);
    } catch (error) {
      const reason = error instanceof InvalidWebhookUrlError ? `refused: ${error.reason}` : String(error);
      return Promise.resolve({ statusCode: null, latencyMs: 0, error: reason, aborted: false });
    }
    const transport = checked.url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let statusCode: number | null = null;
      let settled = false;
      const finish = (error: string | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal.removeEventListener('abort', onAbort);
        resolve({ statusCode, latencyMs: elapsed(), error, aborted: request.signal.aborted });
      };
      const req = transport.request(checked.url, {
        method: 'POST',
        agent: false,
        lookup: this.guard.lookupFor(checked),
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish(`timed out after ${request.timeoutMs} ms`);
      }, request.timeoutMs);
      const onAbort = (): void => {
        req.destroy();
        finish('aborted: Cairn is stopping');
      };
      if (request.signal.aborted) onAbort();
      request.signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => finish(describe(error)));
      req.on('response', (res) => {
        statusCode = res.statusCode ?? null;
        const redirect = statusCode !== null && statusCode >= 300 && statusCode < 400;
        const error = redirect ? `redirect${res.headers.location ? ` to ${res.headers.location}` : ''} not followed` : null;
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            res.destroy();
            finish(error);
          }
        });
        res.on('end', () => finish(error));
        res.on('error', () => finish(error));
        res.on('close', () => finish(error));
      });
      req.end(request.body);
    });
  }
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
