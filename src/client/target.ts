/** What a consumer follows, and as whom: one namespace, as one instance of one cluster runs it. */
export interface FollowTarget {
  /** The server's base URL (http://host:4000); a trailing /graphql is tolerated. */
  readonly url: string;
  /** A bearer token; an agent token (role `agent`) is all a consumer needs. */
  readonly token: string | null;
  readonly namespace: string;
  /** The environment whose releases it runs; null: main's head (no releases, no reports). */
  readonly environment: string | null;
  /** Its cluster: the cluster's overlay is applied to every document; null: the base documents. */
  readonly cluster: string | null;
  /** Its instance id: with an environment, what it runs during a rollout, and whom its reports are about. */
  readonly instance: string | null;
  /** Its labels (canary selectors match them). */
  readonly labels: Readonly<Record<string, string>>;
  /** Only documents whose path starts with this ('' for all). */
  readonly prefix: string;
}

/** The server's base URL without a trailing slash or /graphql. */
export function baseUrl(target: Pick<FollowTarget, 'url'>): string {
  return target.url.replace(/\/+$/, '').replace(/\/graphql$/, '');
}

/** A short name for caches: the same target, the same cache entry, whatever the server's address. */
export function cacheKey(target: FollowTarget): string {
  const parts = [target.namespace, target.environment ?? 'main', target.cluster ?? 'base', target.instance ?? '', target.prefix];
  return parts.map((part) => encodeURIComponent(part)).join('~');
}
