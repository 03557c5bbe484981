import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { serializeOffLoop } from '../services/document-parser.js';
import { documentFormatOf } from '../domain/document-path.js';
import { InvalidInputError } from '../domain/errors.js';
import type { Actor } from '../services/actor.js';
import { createBlobSource } from '../services/blob-source.js';
import type { Cairn } from '../services/cairn.js';
import type { EffectiveConfig, EffectiveDocument } from '../services/overlays.js';
import type { VersionView } from '../services/version-view.js';
import type { Authenticator } from './authenticator.js';
import { answer, answerFailure, authenticated } from './json-answer.js';
import { documentsJson } from './bundle-body.js';
import { holdUntil, waitOf } from './long-poll.js';
import { decodedSegment } from './path-segment.js';
import { labelOf, requestedVersion } from './requested-version.js';

type Bundle = { readonly at: VersionView; readonly documents: readonly EffectiveDocument[] };

const PREFIX = '/v1/config/';
const BUNDLE = '/v1/bundle/';

/**
 * The plain HTTP read API, for curl, shell scripts and init containers: `GET /v1/config/<namespace>/<path>` answers
 * the document as text in its own format (`?format=json`: as JSON), with its version as ETag (`If-None-Match`
 * answers 304). Which version: `?at=<version>`, or with `?env=<environment>` what the environment's release
 * released (with `&instance=<id>` and its `&label=k=v`, what that instance runs during a rollout), else main's
 * head; with `?cluster=<c>` the cluster's overlay applied. `?wait=30s` with `If-None-Match` is a long-poll (Consul's
 * blocking query): held until the document's content there differs from the one that ETag names, then answered,
 * else 304 when the wait ends. The same tokens and roles as GraphQL; GET only. docs/consuming.md and
 * /v1/openapi.json describe it whole.
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
    const actor = await authenticated(this.authenticator, req, res);
    if (!actor) return;
    try {
      if (url.pathname.startsWith(BUNDLE)) return await this.bundle(req, res, actor, url);
      await this.document(req, res, actor, url);
    } catch (error) {
      answerFailure(res, error, this.logger, url.pathname);
    }
  }

  private async document(req: IncomingMessage, res: ServerResponse, actor: Actor, url: URL): Promise<void> {
    const [namespace = '', ...rest] = url.pathname.slice(PREFIX.length).split('/').map(decodedSegment);
    const path = rest.join('/');
    if (!namespace || !path) throw new InvalidInputError(`give a namespace and a document path: ${PREFIX}<namespace>/<path>`);
    const cluster = url.searchParams.get('cluster');
    const format = formatOf(url.searchParams.get('format'), 'json');
    const read = async (): Promise<EffectiveConfig> =>
      this.cairn.overlays.effectiveConfig(
        actor,
        createBlobSource(),
        namespace,
        path,
        cluster,
        await requestedVersion(this.cairn, actor, namespace, url.searchParams),
      );
    const known = req.headers['if-none-match'];
    const wait = waitOf(url.searchParams.get('wait'));
    const since = this.cairn.namespaceSignal.generation(namespace);
    let effective = await read();
    const tag = (config: EffectiveConfig): string => `"${config.at.commit.oid}"`;
    // An older ETag whose content is still the content now counts as current: a long-poll holds on it too.
    const current = known !== undefined && (known === tag(effective) || (wait > 0 && (await this.sameAs(actor, namespace, path, cluster, known, effective))));
    if (current && wait > 0) {
      const before = JSON.stringify(effective.content);
      const changed = await holdUntil(req, this.cairn.namespaceSignal, namespace, since, wait, async () => {
        const now = await read();
        return JSON.stringify(now.content) === before ? null : now;
      });
      effective = changed ?? (await read());
      if (!changed && JSON.stringify(effective.content) === before) return answer(res, 304, null, { etag: tag(effective) });
    } else if (current) return answer(res, 304, null, { etag: tag(effective) });
    const etag = tag(effective);
    const own = documentFormatOf(effective.path) ?? 'json';
    const content = await this.cairn.secrets.value(effective.path, effective.content, this.cairn.secrets.mayRead(actor, namespace));
    const text = format === 'json' ? `${JSON.stringify(content)}\n` : await serializeOffLoop(own, content);
    const type = format === 'json' || own === 'json' ? 'application/json' : 'application/yaml';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, etag, 'cache-control': 'no-cache', 'x-cairn-version': effective.at.commit.oid }).end(text);
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
   * same `at`, `env`, `instance`, `label` and `cluster` as a document), as `{"namespace","version","cluster",
   * "documents":{path: content}}` (`?format=text`: each document's text in its own format, what an agent writes to
   * files), with the version as ETag: what a reader needs to never mix two versions across documents. `?wait=30s`
   * with `If-None-Match` holds the request until the version asked for is another one (a commit of main, a release,
   * the instance's rollout step), else 304 when the wait ends.
   */
  private async bundle(req: IncomingMessage, res: ServerResponse, actor: Actor, url: URL): Promise<void> {
    const namespace = decodedSegment(url.pathname.slice(BUNDLE.length));
    if (!namespace || namespace.includes('/')) throw new InvalidInputError(`give a namespace: ${BUNDLE}<namespace>?prefix=<folder>/`);
    const format = formatOf(url.searchParams.get('format'), 'text');
    const wait = waitOf(url.searchParams.get('wait'));
    const known = req.headers['if-none-match'];
    const read = (): Promise<Bundle> => this.bundleNow(actor, namespace, url.searchParams);
    const since = this.cairn.namespaceSignal.generation(namespace);
    let bundle = await read();
    if (wait > 0 && known === `"${bundle.at.commit.oid}"`) {
      const before = bundle.at.commit.oid;
      // Asking again at each change is cheap: a version's bundle is computed once (BundleCache).
      const moved = await holdUntil(req, this.cairn.namespaceSignal, namespace, since, wait, async () => {
        const now = await read();
        return now.at.commit.oid === before ? null : now;
      });
      bundle = moved ?? (await read());
    }
    const version = bundle.at.commit.oid;
    const etag = `"${version}"`;
    if (known === etag) return answer(res, 304, null, { etag });
    const head = JSON.stringify({ namespace, version, cluster: url.searchParams.get('cluster') }).slice(0, -1);
    const body = `${head},"documents":${await this.documentsFor(actor, namespace, bundle.documents, format === 'text' ? 'text' : 'content')}}`;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache', etag }).end(body);
  }

  /** A bundle's documents as this reader may see their secrets; serialized once per bundle when they hold none. */
  private async documentsFor(actor: Actor, namespace: string, documents: readonly EffectiveDocument[], field: 'text' | 'content'): Promise<string> {
    const plaintext = this.cairn.secrets.mayRead(actor, namespace);
    const shown = await Promise.all(documents.map((doc) => this.cairn.secrets.document(doc, plaintext)));
    if (shown.every((doc, i) => doc === documents[i])) return documentsJson(documents, field);
    return JSON.stringify(Object.fromEntries(shown.map((d) => [d.path, d[field]])));
  }

  /**
   * The bundle the query asks for now. An instance's (`env` with `instance`) is its desired version's, which an agent
   * token may read; any other is a viewer's read.
   */
  private async bundleNow(actor: Actor, namespace: string, query: URLSearchParams): Promise<Bundle> {
    const prefix = query.get('prefix') ?? '';
    const cluster = query.get('cluster');
    const environment = query.get('env');
    const instance = query.get('instance');
    if (environment !== null && instance !== null && query.get('at') === null) {
      const labels = query.getAll('label').map(labelOf);
      return this.cairn.instances.desiredBundle(actor, createBlobSource(), { namespace, environment, id: instance, cluster: cluster ?? '', labels }, prefix);
    }
    const at = await requestedVersion(this.cairn, actor, namespace, query);
    return this.cairn.overlays.effectiveBundle(actor, createBlobSource(), namespace, prefix, cluster, at);
  }
}

/** `?format=`: json, or none for the document's own; a bundle also takes text (its documents as text). */
function formatOf(text: string | null, other: 'json' | 'text'): 'json' | 'text' | null {
  if (text === null) return null;
  if (text === 'json' || text === other) return text;
  throw new InvalidInputError(`format '${text}': json${other === 'text' ? ', text' : ''}, or none for the document's own`);
}
