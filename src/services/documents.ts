import { type DocumentFormat, documentFormatOf, validateDocumentPath, validatePathPrefix } from '../domain/document-path.js';
import { NotFoundError } from '../domain/errors.js';
import type { Actor } from './actor.js';
import { DocumentListings } from './document-listing.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import { type VersionView, versionArgument, versionAt, viewOf } from './version-view.js';

/** A document as stored at one version. Its text is read only when asked for. */
export interface DocumentView {
  readonly namespace: NamespaceReader;
  readonly path: string;
  readonly format: DocumentFormat;
  readonly blob: string;
  /** The version the document was read at. */
  readonly at: VersionView;
}

export class DocumentReader {
  readonly listings = new DocumentListings();

  constructor(private readonly access: NamespaceAccess) {}

  async get(actor: Actor, namespace: string, path: string, at?: string | null, asOf?: Date | null): Promise<DocumentView> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const valid = validateDocumentPath(path);
    const version = await versionAt(repo, versionArgument(at, asOf));
    const blob = await repo.blobAt(version.commit.oid, valid);
    if (!blob) throw new NotFoundError('document', `${valid}@${version.commit.oid.slice(0, 12)}`);
    return { namespace: repo, path: valid, format: documentFormatOf(valid) ?? 'json', blob, at: version };
  }

  async list(actor: Actor, namespace: string, prefix?: string | null, at?: string | null, asOf?: Date | null): Promise<DocumentView[]> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    if (!repo.head() && !at && !asOf) return [];
    const version = await versionAt(repo, versionArgument(at, asOf));
    const tree = version.commit.tree;
    const valid = validatePathPrefix(prefix ?? '');
    const documents = await this.listings.list(tree, valid, () => repo.filesIn(tree, valid));
    return documents.map((d) => ({ namespace: repo, path: d.path, format: d.format, blob: d.blob, at: version }));
  }
}

/** The version that last changed the document at or before the one it was read at (off main: that one). */
export function lastChange(document: DocumentView): VersionView {
  const { namespace, path, at } = document;
  const last = at.commit.seq >= 0 ? namespace.lastChangeOf(path, at.commit.seq) : undefined;
  return last ? viewOf(namespace, last) : at;
}
