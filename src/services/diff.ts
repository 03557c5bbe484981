import { isDocumentPath, validatePathPrefix } from '../domain/document-path.js';
import type { GitRepository } from '../git/repository.js';
import { type PathChange, diffTrees } from '../git/tree-diff.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import { DocumentDiff } from './document-diff.js';
import type { NamespaceAccess } from './namespace-access.js';
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
    const changes = await diffTrees(repo.objects, a.commit.tree, b.commit.tree);
    const files = changes.filter((c) => isDocumentPath(c.path) && matchesPrefix(c.path, prefix)).map((c) => storedDiff(repo, blobs, c));
    return { from: a, to: b, files };
  }
}

export function storedDiff(repo: GitRepository, blobs: BlobSource, change: PathChange): DocumentDiff {
  const side = (oid: string | null) => (oid ? { text: () => blobs.text(repo, oid), blob: oid } : null);
  return new DocumentDiff(change.path, change.status, side(change.oldOid), side(change.newOid));
}

/** `path` names a document exactly or a folder prefix. */
function matchesPrefix(file: string, prefix: string): boolean {
  return prefix === '' || file === prefix || file.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}
