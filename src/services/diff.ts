import { isDocumentPath, validatePathPrefix } from '../domain/document-path.js';
import type { PathChange } from '../git/tree-diff.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import { type DiffSide, DocumentDiff } from './document-diff.js';
import { readValue } from './document-content.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import { type VersionView, versionAt } from './version-view.js';

export interface VersionDiff {
  readonly from: VersionView;
  readonly to: VersionView;
  readonly files: DocumentDiff[];
}

export class DiffService {
  constructor(private readonly access: NamespaceAccess) {}

  /** Differences from `from` to `to` (default: head), for every document or those under `path`. */
  async between(actor: Actor, blobs: BlobSource, namespace: string, from: string, to?: string | null, path?: string | null): Promise<VersionDiff> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const [a, b] = await Promise.all([versionAt(repo, from), versionAt(repo, to ?? 'HEAD')]);
    const prefix = path ? validatePathPrefix(path) : '';
    const changes = await repo.changesBetween(a.commit.tree, b.commit.tree);
    const files = changes.filter((c) => isDocumentPath(c.path) && matchesPrefix(c.path, prefix)).map((c) => storedDiff(repo, blobs, c));
    return { from: a, to: b, files };
  }
}

export function storedDiff(namespace: NamespaceReader, blobs: BlobSource, change: PathChange): DocumentDiff {
  const side = (oid: string | null): DiffSide | null =>
    oid ? { text: () => blobs.text(namespace, oid), blob: oid, value: () => readValue(blobs, { namespace, path: change.path, blob: oid }, true) } : null;
  return new DocumentDiff(change.path, change.status, side(change.oldOid), side(change.newOid));
}

/** What a version changed against its first parent, document by document. */
export function versionDiffs(version: VersionView, blobs: BlobSource): DocumentDiff[] {
  return version.commit.changes.map((c) => storedDiff(version.namespace, blobs, c));
}

/** `path` names a document exactly or a folder prefix. */
function matchesPrefix(file: string, prefix: string): boolean {
  return prefix === '' || file === prefix || file.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}
