import { CairnClientError } from './client-error.js';
import type { Snapshot } from './snapshot.js';
import { type FollowTarget, baseUrl } from './target.js';

/** How the bundle's documents come: parsed JSON values (the library) or texts in their own format (files). */
export type BundleFormat = 'json' | 'text';

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Longer than this without an answer (beyond a long-poll's own wait) is a server that is gone. */
const ANSWER_TIMEOUT_MS = 30_000;

export type ReportStatus = 'APPLIED' | 'FAILED';

/**
 * The two plain HTTP calls a consumer makes: the bundle it should run (one version for every document, with ETag and
 * long-poll) and the report of what it applied. Plain `fetch`, so the same code runs in Node and in browsers.
 */
export class CairnEndpoint {
  constructor(
    private readonly target: FollowTarget,
    private readonly fetch: Fetch = (input, init) => globalThis.fetch(input, init),
  ) {}

  /**
   * The bundle to run now; null when it is still `known` (304). With `waitMs`, the server holds the request until the
   * version to run is another one than `known`, up to that long.
   */
  async bundle<D>(format: BundleFormat, known: string | null, waitMs = 0, signal?: AbortSignal): Promise<Snapshot<D> | null> {
    const { target } = this;
    const query = new URLSearchParams({ prefix: target.prefix, format });
    if (target.cluster !== null) query.set('cluster', target.cluster);
    if (target.environment !== null) query.set('env', target.environment);
    if (target.environment !== null && target.instance !== null) query.set('instance', target.instance);
    for (const [name, value] of Object.entries(target.labels)) query.append('label', `${name}=${value}`);
    if (waitMs > 0) query.set('wait', `${Math.round(waitMs)}ms`);
    const headers: Record<string, string> = { ...this.authorization() };
    if (known !== null) headers['if-none-match'] = `"${known}"`;
    const res = await this.call(`/v1/bundle/${encodeURIComponent(target.namespace)}?${query}`, { headers }, waitMs, signal);
    if (res.status === 304) return null;
    const body = (await res.json()) as { version?: unknown; documents?: unknown };
    if (typeof body.version !== 'string' || typeof body.documents !== 'object' || body.documents === null)
      throw new CairnClientError('BAD_ANSWER', 'the server answered a bundle without a version or documents', res.status);
    return { version: body.version, documents: body.documents as Record<string, D> };
  }

  /** Tells the server what this instance applied (also its heartbeat); answers the version it should run. */
  async report(version: string | null, status: ReportStatus | null, message: string | null, signal?: AbortSignal): Promise<string | null> {
    const { target } = this;
    if (target.environment === null || target.instance === null) return null;
    const body = JSON.stringify({ instance: target.instance, cluster: target.cluster ?? '', labels: target.labels, version, status, message });
    const path = `/v1/environments/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.environment)}/reports`;
    const res = await this.call(path, { method: 'POST', headers: { ...this.authorization(), 'content-type': 'application/json' }, body }, 0, signal);
    const answer = (await res.json()) as { desiredVersion?: unknown };
    return typeof answer.desiredVersion === 'string' ? answer.desiredVersion : null;
  }

  private authorization(): Record<string, string> {
    return this.target.token ? { authorization: `Bearer ${this.target.token}` } : {};
  }

  private async call(path: string, init: RequestInit, waitMs: number, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(waitMs + ANSWER_TIMEOUT_MS);
    let res: Response;
    try {
      res = await this.fetch(`${baseUrl(this.target)}${path}`, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CairnClientError('UNREACHABLE', `cannot reach ${baseUrl(this.target)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (res.ok || res.status === 304) return res;
    const failure = (await res.json().catch(() => null)) as { error?: { code?: unknown; message?: unknown } } | null;
    const code = typeof failure?.error?.code === 'string' ? failure.error.code : `HTTP_${res.status}`;
    const message = typeof failure?.error?.message === 'string' ? failure.error.message : res.statusText;
    throw new CairnClientError(code, message, res.status);
  }
}
