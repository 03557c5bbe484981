import type { HttpClient } from './http-client.js';
import { CONFIG_PATHS, CREATE_NAMESPACE, unwrap } from './operations.js';

export interface NamespaceState {
  readonly head: string | null;
  readonly paths: readonly string[];
  readonly created: boolean;
}

/** The head and document paths of a namespace, created first when it does not exist yet (admins only). */
export async function namespaceForImport(client: HttpClient, namespace: string): Promise<NamespaceState> {
  const read = async (): Promise<{ __typename: string } & Record<string, unknown>> =>
    (await client.request<{ namespace: { __typename: string } & Record<string, unknown> }>(CONFIG_PATHS, { ns: namespace })).namespace;
  let result = await read();
  let created = false;
  if (result.__typename === 'NotFound' && result.kind === 'namespace') {
    const made = (await client.request<{ createNamespace: { __typename: string } & Record<string, unknown> }>(CREATE_NAMESPACE, { name: namespace }))
      .createNamespace;
    if (made.__typename !== 'NamespaceExists') unwrap(made, 'Namespace');
    created = true;
    result = await read();
  }
  const ns = unwrap<{ head: { hash: string } | null; configs: { __typename: string } }>(result, 'Namespace');
  const configs = unwrap<{ data: { path: string }[] }>(ns.configs, 'ConfigsSuccess');
  return { head: ns.head?.hash ?? null, paths: configs.data.map((d) => d.path), created };
}
