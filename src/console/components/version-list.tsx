import type { Api } from '../api.js';
import { TAGS, VERSIONS } from '../queries.js';
import { useLoad } from '../use-query.js';
import type { VersionInfo } from './timeline.js';

export interface NamespaceVersions {
  readonly head: string | null;
  readonly versions: readonly VersionInfo[];
  /** Older versions exist beyond these. */
  readonly more: boolean;
  /** Tag names by the hash of the version they point at. */
  readonly tags: ReadonlyMap<string, readonly string[]>;
}

/** The namespace's latest versions (newest first), its head and its tags, reloaded with every live event. */
export function useNamespaceVersions(api: Api, ns: string, revision: number, first = 100) {
  return useLoad(async (): Promise<NamespaceVersions> => {
    const [result, tags] = await Promise.all([api.request(VERSIONS, { ns, first }), api.request(TAGS, { ns })]);
    const namespace = result.namespace;
    if (namespace?.__typename !== 'Namespace') throw new Error(namespace && 'message' in namespace ? (namespace.message ?? 'unavailable') : 'Namespace not found');
    return {
      head: namespace.head?.hash ?? null,
      versions: (namespace.versions?.edges ?? []).flatMap((e) => (e?.node ? [e.node] : [])),
      more: namespace.versions?.pageInfo.hasNextPage ?? false,
      tags: tagsByVersion(tags.tags?.__typename === 'TagsSuccess' ? tags.tags.data : []),
    };
  }, [api, ns, revision, first]);
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

export function OlderVersionsNote({ shown, more }: { shown: number; more: boolean }) {
  if (!more) return null;
  return <p class="muted small">The newest {shown} versions; older ones are in the audit log (filter by time) and in Git.</p>;
}
