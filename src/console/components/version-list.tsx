import type { Api } from '../api.js';
import { VERSIONS } from '../queries.js';
import { useLoad } from '../use-query.js';
import type { VersionInfo } from './timeline.js';

export interface NamespaceVersions {
  readonly head: string | null;
  readonly versions: readonly VersionInfo[];
}

/** The namespace's latest versions (newest first) and its head, reloaded with every live event. */
export function useNamespaceVersions(api: Api, ns: string, revision: number, first = 100) {
  return useLoad(async (): Promise<NamespaceVersions> => {
    const result = await api.request(VERSIONS, { ns, first });
    const namespace = result.namespace;
    if (namespace?.__typename !== 'Namespace') throw new Error(namespace && 'message' in namespace ? (namespace.message ?? 'unavailable') : 'Namespace not found');
    return { head: namespace.head?.hash ?? null, versions: (namespace.versions?.edges ?? []).flatMap((e) => (e?.node ? [e.node] : [])) };
  }, [api, ns, revision, first]);
}
