import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { InvalidInputError } from '../domain/errors.js';
import type { InstanceReportRequest } from '../services/instances.js';
import type { Cairn } from '../services/cairn.js';
import type { Authenticator } from './authenticator.js';
import { answer, answerFailure, authenticated } from './json-answer.js';
import { labelOf } from './requested-version.js';
import { decodedSegment } from './path-segment.js';

const DESIRED = /^\/v1\/environments\/([^/]+)\/([^/]+)\/desired$/;
const REPORT = /^\/v1\/environments\/([^/]+)\/([^/]+)\/reports$/;
/** A report is a few hundred bytes; anything much larger is not one. */
const MAX_REPORT_BYTES = 16 * 1024;

/**
 * The agents' path over plain HTTP: `GET /v1/environments/<namespace>/<env>/desired?instance=<id>&cluster=<c>[&label=k=v…]`
 * answers the version the instance should run, `{"namespace","environment","cluster","instance","version"}`, with
 * the version as its ETag (`If-None-Match` answers 304). The same use case as GraphQL's `desiredState`, the same
 * tokens and scopes, without GraphQL's parsing, validation and execution: a fleet polls it a thousand times a second.
 * `POST …/reports` with `{"instance","cluster","labels":{k:v},"version","status","message"}` is `reportInstance`,
 * answered with what the instance should run. Failures are `{"error":{"code","message"}}` with their HTTP status.
 */
export class AgentApi {
  constructor(
    private readonly cairn: Cairn,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
  ) {}

  /** Whether `path` is one of this API's (the caller routes it here). */
  static owns(path: string): boolean {
    return path.startsWith('/v1/environments/');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    const report = REPORT.exec(url.pathname);
    const match = report ?? DESIRED.exec(url.pathname);
    if (!match?.[1] || !match[2]) return answer(res, 404, { error: { code: 'NOT_FOUND', message: `no such API path: ${url.pathname}` } });
    const allowed = report ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? '')) {
      return answer(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${allowed.join(' or ')} only` } }, { allow: allowed.join(', ') });
    }
    const actor = await authenticated(this.authenticator, req, res);
    if (!actor) return;
    try {
      const [namespace, environment] = [decodedSegment(match[1]), decodedSegment(match[2])];
      if (report) {
        const body = await reportOf(req);
        const view = await this.cairn.instances.report(actor, { namespace, environment, ...body });
        return answer(res, 200, { instance: view.record.id, desiredVersion: view.desired, appliedVersion: view.record.version, status: view.record.status });
      }
      const input = {
        namespace,
        environment,
        id: url.searchParams.get('instance') ?? '',
        cluster: url.searchParams.get('cluster') ?? '',
        labels: url.searchParams.getAll('label').map(labelOf),
      };
      const desired = await this.cairn.instances.desired(actor, input);
      const version = desired.version?.commit.oid ?? null;
      const etag = `"${version ?? 'none'}"`;
      if (req.headers['if-none-match'] === etag) return answer(res, 304, null, { etag });
      answer(res, 200, { namespace: desired.repo.name, environment: desired.environment, cluster: desired.cluster, instance: input.id, version }, { etag });
    } catch (error) {
      answerFailure(res, error, this.logger, url.pathname);
    }
  }
}

/** The report's JSON body, shaped for the use case; malformed is INVALID_INPUT. */
async function reportOf(req: IncomingMessage): Promise<Omit<InstanceReportRequest, 'namespace' | 'environment'>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REPORT_BYTES) throw new InvalidInputError(`a report is at most ${MAX_REPORT_BYTES} bytes`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new InvalidInputError('the report is not JSON');
  }
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const text = (key: string): string | null => (typeof r[key] === 'string' ? (r[key] as string) : null);
  const labels = typeof r.labels === 'object' && r.labels !== null ? Object.entries(r.labels as Record<string, unknown>) : [];
  const status = text('status');
  if (status !== null && status !== 'APPLIED' && status !== 'FAILED') throw new InvalidInputError(`status '${status}': APPLIED or FAILED`);
  return {
    id: text('instance') ?? '',
    cluster: text('cluster') ?? '',
    labels: labels.map(([name, value]) => ({ name, value: String(value) })),
    version: text('version'),
    status,
    message: text('message'),
  };
}
