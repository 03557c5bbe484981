import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor } from '../services/actor.js';
import type { Authenticator } from './authenticator.js';
import type { Logger } from 'pino';
import { CairnError } from '../domain/errors.js';

/** HTTP statuses of the typed failures the plain HTTP APIs meet; any other CairnError is a bad request. */
const STATUS: Readonly<Record<string, number>> = { NOT_FOUND: 404, FORBIDDEN: 403, INVALID_NAMESPACE: 404, INVALID_REF: 404, TOO_EXPENSIVE: 503 };

/** A JSON answer (null: no body, as for 304), never cached without asking again. */
export function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (body === null) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-cache', ...headers }).end(JSON.stringify(body));
}

/** The request's actor, by its bearer token as for GraphQL; null (401 answered) without a valid one. */
export async function authenticated(authenticator: Authenticator, req: IncomingMessage, res: ServerResponse): Promise<Actor | null> {
  const authentication = await authenticator.authenticate(req.headers.authorization);
  if (authentication.ok) return { operator: authentication.operator, ip: req.socket.remoteAddress ?? 'unknown' };
  answer(res, 401, { error: { code: 'UNAUTHENTICATED', message: `unauthenticated: ${authentication.reason} token` } });
  return null;
}

/** `{"error":{"code","message"}}` with the HTTP status of a typed failure; anything else is logged and masked. */
export function answerFailure(res: ServerResponse, error: unknown, logger: Logger, path: string): void {
  if (error instanceof CairnError) {
    answer(res, STATUS[error.code] ?? 400, { error: { code: error.code, message: error.message } });
    return;
  }
  logger.error({ err: error, path }, 'HTTP API request failed unexpectedly');
  answer(res, 500, { error: { code: 'INTERNAL', message: 'unexpected error' } });
}
