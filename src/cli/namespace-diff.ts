import type { JsonValue } from '../domain/json-value.js';
import { unifiedDiff } from '../domain/text-diff.js';
import { diffValues } from '../domain/value-diff.js';
import type { HttpClient } from './http-client.js';
import { DOCUMENTS, unwrap } from './operations.js';
import type { FileDiff } from './write-result.js';

interface StoredDocument {
  readonly path: string;
  readonly text: string;
  readonly content: JsonValue;
  readonly at: { readonly hash: string; readonly shortHash: string };
}

/** One side of the comparison: a namespace at a version. */
export interface NamespaceSide {
  readonly namespace: string;
  readonly version: string | null;
}

export interface NamespaceDiff {
  readonly from: { readonly namespace: string; readonly hash: string | null; readonly shortHash: string | null };
  readonly to: { readonly namespace: string; readonly hash: string | null; readonly shortHash: string | null };
  readonly files: FileDiff[];
}

async function documentsOf(client: HttpClient, side: NamespaceSide): Promise<Map<string, StoredDocument>> {
  const data = await client.request<{ namespace: { __typename: string } }>(DOCUMENTS, { ns: side.namespace, at: side.version });
  const configs = unwrap<{ configs: { __typename: string } }>(data.namespace, 'Namespace').configs;
  return new Map(unwrap<{ data: StoredDocument[] }>(configs, 'ConfigsSuccess').data.map((d) => [d.path, d]));
}

function fileDiff(path: string, before: StoredDocument | undefined, after: StoredDocument | undefined): FileDiff | null {
  if (before?.text === after?.text) return null;
  const changes = diffValues(before?.content, after?.content).map((c) => ({
    pointer: c.pointer,
    op: c.op.toUpperCase(),
    oldValue: c.oldValue ?? null,
    newValue: c.newValue ?? null,
  }));
  return {
    path,
    status: before === undefined ? 'ADDED' : after === undefined ? 'DELETED' : 'MODIFIED',
    changes,
    unified: unifiedDiff(path, before?.text ?? null, after?.text ?? null),
  };
}

function sideOf(namespace: string, documents: Map<string, StoredDocument>): NamespaceDiff['from'] {
  const at = documents.values().next().value?.at ?? null;
  return { namespace, hash: at?.hash ?? null, shortHash: at?.shortHash ?? null };
}

/**
 * The API compares versions of one namespace only: two namespaces are compared here, from every document of each at
 * its version, the way the server's diff reports it (value changes in the same shape, a Git-style unified diff).
 */
export async function diffNamespaces(client: HttpClient, from: NamespaceSide, to: NamespaceSide, pathFilter: string | null): Promise<NamespaceDiff> {
  const [before, after] = await Promise.all([documentsOf(client, from), documentsOf(client, to)]);
  const paths = [...new Set([...before.keys(), ...after.keys()])].filter((p) => pathFilter === null || p === pathFilter).sort();
  const files = paths.map((p) => fileDiff(p, before.get(p), after.get(p))).filter((f): f is FileDiff => f !== null);
  return { from: sideOf(from.namespace, before), to: sideOf(to.namespace, after), files };
}
