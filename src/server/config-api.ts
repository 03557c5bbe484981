import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { serializeDocument } from '../domain/document-codec.js';
import { documentFormatOf } from '../domain/document-path.js';
import { InvalidInputError } from '../domain/errors.js';
import type { Actor } from '../services/actor.js';
import { createBlobSource } from '../services/blob-source.js';
import type { Cairn } from '../services/cairn.js';
import type { Authenticator } from './authenticator.js';
import { answer, answerFailure } from './json-answer.js';

const PREFIX = '/v1/config/';

/**
 * The plain HTTP read API, for curl, shell scripts and init containers: `GET /v1/config/<namespace>/<path>` answers
 * the document as text in its own format (`?format=json`: as JSON), with its version as ETag (`If-None-Match`
 * answers 304). Which version: `?at=<version>`, or with `?env=<environment>` what the environment's release
 * released (with `&instance=<id>`, what that instance runs during a rollout), else main's head; with
 * `?cluster=<c>` the cluster's overlay applied. The same tokens and roles as GraphQL; GET only.
 */
export class ConfigApi {
  constructor(
    private readonly cairn: Cairn,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
  ) {}

  static owns(path: string): boolean {
    return path.startsWith(PREFIX);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://config.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return answer(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } }, { allow: 'GET, HEAD' });
    const authentication = this.authenticator.authenticate(req.headers.authorization);
    if (!authentication.ok) return answer(res, 401, { error: { code: 'UNAUTHENTICATED', message: `unauthenticated: ${authentication.reason} token` } });
    const actor: Actor = { operator: authentication.operator, ip: req.socket.remoteAddress ?? 'unknown' };
    try {
      const [namespace = '', ...rest] = url.pathname.slice(PREFIX.length).split('/').map(decodeURIComponent);
      const path = rest.join('/');
      if (!namespace || !path) throw new InvalidInputError(`give a namespace and a document path: ${PREFIX}<namespace>/<path>`);
      const at = await this.version(actor, namespace, url.searchParams);
      const cluster = url.searchParams.get('cluster');
      const effective = await this.cairn.overlays.effectiveConfig(actor, createBlobSource(), namespace, path, cluster, at);
      const etag = `"${effective.at.commit.oid}"`;
      if (req.headers['if-none-match'] === etag) return answer(res, 304, null, { etag });
      const format = url.searchParams.get('format');
      if (format !== null && format !== 'json') throw new InvalidInputError(`format '${format}': json, or none for the document's own`);
      const own = documentFormatOf(effective.path) ?? 'json';
      const text = format === 'json' ? `${JSON.stringify(effective.content)}\n` : serializeDocument(own, effective.content);
      const type = format === 'json' || own === 'json' ? 'application/json' : 'application/yaml';
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, etag, 'cache-control': 'no-cache', 'x-cairn-version': effective.at.commit.oid }).end(text);
    } catch (error) {
      answerFailure(res, error, this.logger, url.pathname);
    }
  }

  /** The version asked for: `at`, the environment's (or its instance's), or null for main's head. */
  private async version(actor: Actor, namespace: string, query: URLSearchParams): Promise<string | null> {
    const at = query.get('at');
    const environment = query.get('env');
    if (at !== null && environment !== null) throw new InvalidInputError('give at or env, not both');
    if (at !== null || environment === null) return at;
    const instance = query.get('instance');
    if (instance === null) return this.cairn.environments.releasedVersion(actor, namespace, environment);
    const desired = await this.cairn.instances.desired(actor, { namespace, environment, id: instance, cluster: query.get('cluster') ?? '' });
    if (!desired.version) throw new InvalidInputError(`${environment} has no release yet`);
    return desired.version.commit.oid;
  }
}
