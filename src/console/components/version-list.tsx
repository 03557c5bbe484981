import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { pageSize } from '../page-size.js';
import { TAGS, VERSIONS } from '../queries.js';
import { type Pages, pageOf, usePages } from '../use-pages.js';
import { useLoad } from '../use-query.js';
import type { VersionInfo } from './timeline.js';

/** Versions per page unless the address says otherwise (`?pageSize=`). */
export const VERSIONS_PAGE = 100;

/**
 * The namespace's versions (or one document's, with `path`), newest first, a page at a time, reloaded with every
 * live event.
 */
export function useVersionPages(api: Api, ns: string, path: string | null, revision: number, size = pageSize(VERSIONS_PAGE)): Pages<VersionInfo> {
  return usePages(
    async (first, after) => {
      const namespace = (await api.request(VERSIONS, { ns, path, first, after })).namespace;
      if (namespace?.__typename !== 'Namespace')
        throw new Error(namespace && 'message' in namespace ? (namespace.message ?? 'unavailable') : 'Namespace not found');
      return pageOf(namespace.versions);
    },
    (v) => v.hash ?? '',
    size,
    [api, ns, path, size],
    revision,
  );
}

export interface Tags {
  /** Tag names by the hash of the version they point at. */
  readonly byVersion: ReadonlyMap<string, readonly string[]>;
  /** Read them again (a tag is not a commit: no live event announces it). */
  refresh(): void;
}

export function useTags(api: Api, ns: string, revision: number): Tags {
  const [tick, setTick] = useState(0);
  const loaded = useLoad(() => api.request(TAGS, { ns }), [api, ns, revision, tick]);
  const tags = loaded.state === 'done' && loaded.data.tags?.__typename === 'TagsSuccess' ? loaded.data.tags.data : [];
  return { byVersion: tagsByVersion(tags), refresh: () => setTick((t) => t + 1) };
}

function tagsByVersion(tags: readonly { name: string | null; target: { hash: string | null } | null }[]): Map<string, string[]> {
  const byHash = new Map<string, string[]>();
  for (const tag of tags) {
    const hash = tag.target?.hash;
    if (!hash || !tag.name) continue;
    byHash.set(hash, [...(byHash.get(hash) ?? []), tag.name]);
  }
  return byHash;
}
