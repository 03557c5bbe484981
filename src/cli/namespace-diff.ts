import type { HttpClient } from './http-client.js';
import { COMPARE, unwrap } from './operations.js';
import type { FileDiff } from './write-result.js';

/** One side of the comparison: a namespace at a version (null: its head). */
export interface NamespaceSide {
  readonly namespace: string;
  readonly version: string | null;
  /** As this cluster runs it (its overlays applied); null: the base documents. */
  readonly cluster?: string | null;
}

export interface NamespaceDiff {
  readonly from: { readonly namespace: string; readonly hash: string; readonly shortHash: string };
  readonly to: { readonly namespace: string; readonly hash: string; readonly shortHash: string };
  readonly files: FileDiff[];
}

interface Compared {
  readonly left: { readonly hash: string; readonly shortHash: string };
  readonly right: { readonly hash: string; readonly shortHash: string };
  readonly files: FileDiff[];
}

/**
 * Two namespaces, each at a version, compared by the server (`compareConfigs`): every document that differs, with
 * its value changes and a unified diff, as `diff` shows two versions of one namespace. Documents are compared as
 * each side's cluster runs them, the base without one (overlays and Cairn's own files are not documents of their own).
 */
export async function diffNamespaces(client: HttpClient, from: NamespaceSide, to: NamespaceSide, pathFilter: string | null): Promise<NamespaceDiff> {
  const side = (s: NamespaceSide) => ({ namespace: s.namespace, at: s.version, cluster: s.cluster ?? null });
  const data = await client.request<{ compareConfigs: { __typename: string } }>(COMPARE, { left: side(from), right: side(to), prefix: pathFilter });
  const compared = unwrap<{ data: Compared }>(data.compareConfigs, 'CompareConfigsSuccess').data;
  return {
    from: { namespace: from.namespace, ...compared.left },
    to: { namespace: to.namespace, ...compared.right },
    files: compared.files.filter((f) => pathFilter === null || f.path === pathFilter),
  };
}
