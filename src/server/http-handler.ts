import type { IncomingMessage, ServerResponse } from 'node:http';
import { AgentApi } from './agent-api.js';
import { applyApiCors } from './api-cors.js';
import { AuditExport } from './audit-export.js';
import { BackupApi } from './backup-api.js';
import { ConfigApi } from './config-api.js';
import { OPENAPI_PATH, answerOpenApi } from './openapi.js';
import type { ConsoleAssets } from './console-assets.js';
import type { CairnMetrics, HttpRoute } from './metrics.js';
import type { MetricsEndpoint } from './metrics-endpoint.js';
import type { Readiness } from './readiness.js';
import { isChunked, readCappedBody } from './request-body.js';
import type { Settings } from './settings.js';
import type { CairnYoga } from './yoga.js';

export interface HandlerContext {
  readonly settings: Settings;
  readonly readiness: Readiness;
  readonly metrics: CairnMetrics;
  readonly endpoint: MetricsEndpoint;
  /** The web console's files at `/` (served before the server is ready too: it is static). */
  readonly webConsole: ConsoleAssets;
  /** null until the server is ready. */
  readonly yoga: () => CairnYoga | null;
  /** The agents' HTTP API and the plain HTTP read API; null until the server is ready. */
  readonly agentApi: () => AgentApi | null;
  readonly configApi: () => ConfigApi | null;
  readonly auditExport: () => AuditExport | null;
  /** `cairn backup`'s bundles; null until the server is ready. */
  readonly backupApi: () => BackupApi | null;
}

/** How long the rest of a refused body is read and dropped before the connection is closed anyway. */
const DRAIN_MS = 10_000;

const ROUTES: Record<string, HttpRoute> = { '/graphql': 'graphql', '/healthz': 'healthz', '/readyz': 'readyz', '/metrics': 'metrics' };

/** The HTTP routes: health, readiness and metrics always; GraphQL (yoga) once the server is ready. */
export function requestHandler({
  settings,
  readiness,
  metrics,
  endpoint,
  webConsole,
  yoga,
  agentApi,
  configApi,
  auditExport,
  backupApi,
}: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    const served = yoga();
    if (served) {
      void served(req, res);
      return;
    }
    void readiness.whenReady(settings.readyWaitMs).then((ready) => {
      const late = yoga();
      if (ready && late) void late(req, res);
      else readiness.refuseRequest(res);
    });
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let route =
      ROUTES[path] ??
      (AgentApi.owns(path) || ConfigApi.owns(path) || AuditExport.owns(path) || BackupApi.owns(path) || path === OPENAPI_PATH ? 'api' : 'other');
    res.once('close', () => metrics.httpRequest(route, req.method, res.statusCode));
    if (route === 'api') {
      if (applyApiCors(req, res, settings.corsOrigins)) return;
      if (path === OPENAPI_PATH) return answerOpenApi(req, res);
      const api = ConfigApi.owns(path) ? configApi() : AuditExport.owns(path) ? auditExport() : BackupApi.owns(path) ? backupApi() : agentApi();
      if (api) void api.handle(req, res);
      else readiness.refuseRequest(res);
      return;
    }
    if (route === 'other' && webConsole.handle(req, res)) {
      route = 'console';
      return;
    }
    if (route === 'healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (route === 'readyz') return readiness.answer(res);
    if (route === 'metrics') {
      endpoint.answer(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    if (Number(req.headers['content-length'] ?? 0) > settings.maxBodyBytes) {
      refuseTooLarge(req, res);
      return;
    }
    if (isChunked(req)) {
      readCappedBody(req, settings.maxBodyBytes).then(
        (body) => {
          if (body === null) return refuseTooLarge(req, res);
          // whatwg-node (under yoga) takes a body already read from `req.body` instead of reading the stream.
          (req as IncomingMessage & { body?: Buffer }).body = body;
          dispatch(req, res);
        },
        () => req.destroy(),
      );
      return;
    }
    dispatch(req, res);
  };
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(413, { 'content-type': 'application/json' }).end('{"errors":[{"message":"request body too large","extensions":{"code":"PAYLOAD_TOO_LARGE"}}]}');
  // The rest of the body is read and dropped: closing while the client still sends makes the kernel reset the
  // connection, and the client would see that reset (or EPIPE) instead of this answer. One that does not stop
  // sending within DRAIN_MS is cut off.
  req.resume();
  const cutOff = setTimeout(() => req.destroy(), DRAIN_MS).unref();
  req.once('end', () => clearTimeout(cutOff));
  req.once('close', () => clearTimeout(cutOff));
}
