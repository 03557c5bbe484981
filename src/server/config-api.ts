import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { serializeDocument } from '../domain/document-codec.js';
import { documentFormatOf } from '../domain/document-path.js';
import { InvalidInputError, TooExpensiveError } from '../domain/errors.js';
import type { Actor } from '../services/actor.js';
import { createBlobSource } from '../services/blob-source.js';
import type { Cairn } from '../services/cairn.js';
import type { EffectiveConfig } from '../services/overlays.js';
import type { Authenticator } from './authenticator.js';
import { answer, answerFailure, authenticated } from './json-answer.js';

const PREFIX = '/v1/config/';
const BUNDLE = '/v1/bundle/';
/** The longest a long-poll is held (`?wait=`). */
const MAX_WAIT_MS = 5 * 60_000;

/**
 * The plain HTTP read API, for curl, shell scripts and init containers: `GET /v1/config/<namespace>/<path>` answers
 * the document as text in its own format (`?format=json`: as JSON), with its version as ETag (`If-None-Match`
 * answers 304). Which version: `?at=<version>`, or with `?env=<environment>` what the environment's release
 * released (with `&instance=<id>`, what that instance runs during a rollout), else main's head; with
 * `?cluster=<c>` the cluster's overlay applied. `?wait=30s` with `If-None-Match` is a long-poll (Consul's blocking
 * query): held until the document's content there differs from the one that ETag names, then answered, else 304
 * when the wait ends. The same tokens and roles as GraphQL; GET only.
 */
export class ConfigApi {
  constructor(
    private readonly cairn: Cairn,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
  ) {}

  static owns(path: string): boolean {
    return path.startsWith(PREFIX) || path.startsWith(BUNDLE);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://config.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return answer(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } }, { allow: 'GET, HEAD' });
    const actor = authenticated(this.authenticator, req, res);
    if (!actor) return;
    try {
      if (url.pathname.startsWith(BUNDLE)) return await this.bundle(req, res, actor, url);
      const [namespace = '', ...rest] = url.pathname.slice(PREFIX.length).split('/').map(decodeURIComponent);
      const path = rest.join('/');
      if (!namespace || !path) throw new InvalidInputError(`give a namespace and a document path: ${PREFIX}<namespace>/<path>`);
      const cluster = url.searchParams.get('cluster');
      const read = async (): Promise<EffectiveConfig> =>
        this.cairn.overlays.effectiveConfig(actor, createBlobSource(), namespace, path, cluster, await this.version(actor, namespace, url.searchParams));
      const known = req.headers['if-none-match'];
      const wait = waitOf(url.searchParams.get('wait'));
      let effective = await read();
      if (known === `"${effective.at.commit.oid}"` && wait > 0) effective = await this.held(req, namespace, effective, read, wait);
      const etag = `"${effective.at.commit.oid}"`;
      if (known === etag || (wait > 0 && known !== undefined && (await this.sameAs(actor, namespace, path, cluster, known, effective)))) {
        return answer(res, 304, null, { etag });
      }
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

  /**
   * Holds a long-poll: at each change of the namespace the document is read again, and answered once its content
   * differs from `current`'s; else, once `waitMs` passed (or the client left), what is there now.
   */
  private async held(
    req: IncomingMessage,
    namespace: string,
    current: EffectiveConfig,
    read: () => Promise<EffectiveConfig>,
    waitMs: number,
  ): Promise<EffectiveConfig> {
    const deadline = Date.now() + waitMs;
    const left = new AbortController();
    req.socket.once('close', () => left.abort());
    let latest = current;
    while (Date.now() < deadline && !left.signal.aborted) {
      const woken = this.cairn.namespaceSignal.next(namespace, deadline - Date.now(), left.signal);
      if (woken === null) throw new TooExpensiveError('long-polls', 'too many long-polls are held: ask again without wait');
      if (!(await woken)) break;
      latest = await read();
      if (JSON.stringify(latest.content) !== JSON.stringify(current.content)) return latest;
    }
    return latest;
  }

  /** Whether the content the ETag `known` names equals `effective`'s (a long-poll that ends on a version changing nothing). */
  private async sameAs(actor: Actor, namespace: string, path: string, cluster: string | null, known: string, effective: EffectiveConfig): Promise<boolean> {
    const version = /^"([0-9a-f]{40})"$/.exec(known)?.[1];
    if (!version) return false;
    const then = await this.cairn.overlays.effectiveConfig(actor, createBlobSource(), namespace, path, cluster, version).catch(() => null);
    return then !== null && JSON.stringify(then.content) === JSON.stringify(effective.content);
  }

  /**
   * `GET /v1/bundle/<namespace>?prefix=services/api/`: every effective document under the prefix at one version (the
   * same `at`, `env`, `instance` and `cluster` as a document), as `{"namespace","version","cluster","documents":{path:
   * content}}`, with the version as ETag: what a reader needs to never mix two versions across documents.
   */
  private async bundle(req: IncomingMessage, res: ServerResponse, actor: Actor, url: URL): Promise<void> {
    const namespace = decodeURIComponent(url.pathname.slice(BUNDLE.length));
    if (!namespace || namespace.includes('/')) throw new InvalidInputError(`give a namespace: ${BUNDLE}<namespace>?prefix=<folder>/`);
    const cluster = url.searchParams.get('cluster');
    const at = await this.version(actor, namespace, url.searchParams);
    const bundle = await this.cairn.overlays.effectiveBundle(actor, createBlobSource(), namespace, url.searchParams.get('prefix') ?? '', cluster, at);
    const version = bundle.at.commit.oid;
    const etag = `"${version}"`;
    if (req.headers['if-none-match'] === etag) return answer(res, 304, null, { etag });
    const documents = Object.fromEntries(bundle.documents.map((d) => [d.path, d.content]));
    answer(res, 200, { namespace, version, cluster, documents }, { etag });
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

/** `?wait=30s` (or `500ms`, `2m`) in ms; 0 without one. */
function waitOf(text: string | null): number {
  if (text === null) return 0;
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  if (!match) throw new InvalidInputError(`wait '${text}': a duration such as 500ms, 30s or 2m`);
  const ms = Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
  if (ms > MAX_WAIT_MS) throw new InvalidInputError(`wait is at most ${MAX_WAIT_MS / 60_000} minutes`);
  return ms;
}
