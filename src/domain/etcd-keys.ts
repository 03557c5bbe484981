import { InvalidInputError } from './errors.js';
import { untrustedJsonObject } from './untrusted-json.js';

/**
 * Where an environment's configuration lives in etcd (docs/etcd.md):
 *
 *   <root><namespace>/<environment>/.version            which release etcd holds (JSON, see PublishedMark)
 *   <root><namespace>/<environment>/_/<path>            a base document, as an instance of no overlaid cluster runs it
 *   <root><namespace>/<environment>/<cluster>/<path>    a document as that cluster runs it (its overlay applied)
 *
 * `_` and `.version` cannot be cluster names (those are DNS labels), so no cluster's keys can collide with them.
 */
export const BASE_CLUSTER = '_';
export const VERSION_KEY = '.version';

/** What the version key holds: the version of main published, and the release-branch commit it was published from. */
export interface PublishedMark {
  readonly version: string;
  /** The commit of the environment's branch (a release or a rollout step) whose state was published: it orders publications. */
  readonly release: string;
  readonly publishedAt: string;
}

/** The root every key is under: absolute, ending with '/', e.g. `/cairn/`. */
export function validateEtcdRoot(root: string): string {
  if (!root.startsWith('/') || !root.endsWith('/') || root.includes('//')) {
    throw new InvalidInputError(`the etcd prefix must start and end with '/' (e.g. /cairn/), got '${root}'`);
  }
  return root;
}

export function environmentPrefix(root: string, namespace: string, environment: string): string {
  return `${root}${namespace}/${environment}/`;
}

export function versionKeyOf(root: string, namespace: string, environment: string): string {
  return `${environmentPrefix(root, namespace, environment)}${VERSION_KEY}`;
}

/** null: the base documents (`_`). */
export function documentKeyOf(root: string, namespace: string, environment: string, cluster: string | null, path: string): string {
  return `${environmentPrefix(root, namespace, environment)}${cluster ?? BASE_CLUSTER}/${path}`;
}

/** The namespace and environment a key under the root belongs to; null for a key outside any environment's prefix. */
export function environmentOfKey(root: string, key: string): { namespace: string; environment: string } | null {
  if (!key.startsWith(root)) return null;
  const [namespace, environment, ...rest] = key.slice(root.length).split('/');
  if (!namespace || !environment || rest.length === 0) return null;
  return { namespace, environment };
}

/** What a key under an environment's prefix names: the version key, a document of a cluster (null: `_`), or nothing Cairn writes. */
export type KeyMeaning =
  { readonly kind: 'version' } | { readonly kind: 'document'; readonly cluster: string | null; readonly path: string } | { readonly kind: 'other' };

export function meaningOfKey(prefix: string, key: string): KeyMeaning {
  const rest = key.startsWith(prefix) ? key.slice(prefix.length) : null;
  if (rest === VERSION_KEY) return { kind: 'version' };
  const slash = rest?.indexOf('/') ?? -1;
  if (rest === null || slash <= 0 || slash === rest.length - 1) return { kind: 'other' };
  const cluster = rest.slice(0, slash);
  return { kind: 'document', cluster: cluster === BASE_CLUSTER ? null : cluster, path: rest.slice(slash + 1) };
}

export function formatMark(mark: PublishedMark): string {
  return JSON.stringify({ version: mark.version, release: mark.release, publishedAt: mark.publishedAt });
}

/** The version key's value, or null when it is not one Cairn wrote (edited by hand): a publication then replaces it. */
export function parseMark(text: string): PublishedMark | null {
  const value = untrustedJsonObject(text);
  if (value === null) return null;
  const { version, release, publishedAt } = value;
  const hash = /^[0-9a-f]{40}$/;
  if (typeof version !== 'string' || typeof release !== 'string' || !hash.test(version) || !hash.test(release)) return null;
  return { version, release, publishedAt: typeof publishedAt === 'string' ? publishedAt : '' };
}
