import type { JsonValue } from '../domain/json-value.js';
import type { HttpClient } from './http-client.js';
import { EFFECTIVE_CONFIG, unwrap } from './operations.js';

/** A document as one cluster runs it: the base with that cluster's overlay applied (null: none at this version). */
export interface EffectiveDocument {
  readonly path: string;
  readonly cluster: string;
  readonly content: JsonValue;
  readonly overlayPath: string | null;
  readonly at: { readonly hash: string };
}

export async function effectiveDocument(client: HttpClient, namespace: string, path: string, cluster: string, at: string | null): Promise<EffectiveDocument> {
  const data = await client.request<{ namespace: { __typename: string } }>(EFFECTIVE_CONFIG, { ns: namespace, path, cluster, at });
  return unwrap<EffectiveDocument>(unwrap<{ effectiveConfig: { __typename: string } }>(data.namespace, 'Namespace').effectiveConfig, 'EffectiveConfig');
}

/**
 * The merged document exists only as a value (the server answers no text for it), so it is printed in the base's
 * format as Cairn writes it. The serializer brings the YAML library along: loaded only when a cluster is asked for.
 */
export async function effectiveText(doc: EffectiveDocument): Promise<string> {
  const [{ serializeDocument }, { documentFormatOf }] = await Promise.all([import('../domain/document-codec.js'), import('../domain/document-path.js')]);
  return serializeDocument(documentFormatOf(doc.path) ?? 'json', doc.content);
}
