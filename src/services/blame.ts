import { parseStoredDocument } from '../domain/document-codec.js';
import { validateDocumentPath } from '../domain/document-path.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { decodePointer, encodePointer, getAtPointer } from '../domain/json-pointer.js';
import { isJsonObject, type JsonValue } from '../domain/json-value.js';
import { diffValues } from '../domain/value-diff.js';
import { type IndexedCommit, lastIndexAtOrBefore } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import type { NamespaceAccess } from './namespace-access.js';
import { type VersionView, versionArgument, versionAt, viewOf } from './version-view.js';

/** One leaf value of a document and the version that last set it. */
export interface BlameEntry {
  readonly pointer: string;
  readonly value: JsonValue;
  readonly version: VersionView;
}

export interface BlameView {
  readonly path: string;
  readonly pointer: string;
  readonly at: VersionView;
  readonly entries: readonly BlameEntry[];
}

export interface BlameRequest {
  readonly path: string;
  /** Only the leaves under this RFC 6901 pointer; the whole document by default. */
  readonly pointer?: string | null;
  readonly at?: string | null;
  readonly asOf?: Date | null;
}

export class BlameService {
  constructor(private readonly access: NamespaceAccess) {}

  async blame(actor: Actor, blobs: BlobSource, namespace: string, request: BlameRequest): Promise<BlameView> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const path = validateDocumentPath(request.path);
    const at = await versionAt(repo, versionArgument(request.at, request.asOf));
    return blameAt(repo, blobs, path, at, request.pointer ?? '');
  }
}

/**
 * For each leaf value (scalars, empty objects and arrays) of `path` at `at`, the version that last set it: the
 * newest version that changed the value at that pointer. Served from the commit index: only the versions that
 * changed the document are read, newest first, each diffed against the one before, until every leaf is
 * attributed. A value moved to another pointer is attributed to the move, as is one shifted in an array.
 */
export async function blameAt(repo: GitRepository, blobs: BlobSource, path: string, at: VersionView, pointer: string): Promise<BlameView> {
  if (at.commit.seq < 0) throw new InvalidInputError(`blame reads main's history: ${at.commit.oid} is not on main`);
  decodePointer(pointer);
  const documents = new DocumentCache(repo, blobs, path);
  const blob = await repo.blobAt(at.commit.oid, path);
  if (!blob) throw new NotFoundError('document', `${path}@${at.commit.oid.slice(0, 12)}`);
  const value = getAtPointer(await documents.value(blob), pointer);
  if (value === undefined) throw new InvalidInputError(`'${path}' has no value at '${pointer}' in ${at.commit.oid.slice(0, 12)}`);
  const leaves = leavesOf(value, decodePointer(pointer));
  const setBy = await attribute(repo, documents, path, at.commit.seq, leaves.map((l) => l.pointer));
  return {
    path,
    pointer,
    at,
    entries: leaves.map((leaf) => ({ ...leaf, version: viewOf(repo, setBy.get(leaf.pointer) ?? at.commit) })),
  };
}

async function attribute(repo: GitRepository, documents: DocumentCache, path: string, seq: number, pointers: readonly string[]): Promise<Map<string, IndexedCommit>> {
  const pending = new Set(pointers);
  const setBy = new Map<string, IndexedCommit>();
  const history = repo.index.historyOf(path);
  for (let k = lastIndexAtOrBefore(history, seq); k >= 0 && pending.size > 0; k -= 1) {
    const commit = repo.index.at(history[k] ?? -1);
    const change = commit?.changes.find((c) => c.path === path);
    if (!commit || !change) continue;
    const [before, after] = await Promise.all([documents.valueOrAbsent(change.oldOid), documents.valueOrAbsent(change.newOid)]);
    for (const { pointer: changed } of diffValues(before, after)) {
      for (const p of pending) {
        if (related(p, changed)) {
          setBy.set(p, commit);
          pending.delete(p);
        }
      }
    }
  }
  return setBy;
}

/** A change at `changed` sets the value at `p` when one contains the other (or they are the same). */
function related(p: string, changed: string): boolean {
  return p === changed || changed === '' || p.startsWith(`${changed}/`) || changed.startsWith(`${p}/`);
}

/** Leaves in document order: scalars, and objects or arrays without members. */
function leavesOf(value: JsonValue, tokens: readonly (string | number)[]): { pointer: string; value: JsonValue }[] {
  if (Array.isArray(value) && value.length > 0) return value.flatMap((item, i) => leavesOf(item, [...tokens, i]));
  if (isJsonObject(value) && Object.keys(value).length > 0) return Object.entries(value).flatMap(([key, item]) => leavesOf(item, [...tokens, key]));
  return [{ pointer: encodePointer(tokens), value }];
}

/** Parsed versions of one document by blob id: each blob is the new side of one version and the old side of the next. */
class DocumentCache {
  private readonly parsed = new Map<string, JsonValue>();

  constructor(
    private readonly repo: GitRepository,
    private readonly blobs: BlobSource,
    private readonly path: string,
  ) {}

  async value(blob: string): Promise<JsonValue> {
    const cached = this.parsed.get(blob);
    if (cached !== undefined) return cached;
    const value = parseStoredDocument(this.path, await this.blobs.text(this.repo, blob));
    this.parsed.set(blob, value);
    return value;
  }

  valueOrAbsent(blob: string | null): Promise<JsonValue | undefined> {
    return blob ? this.value(blob) : Promise.resolve(undefined);
  }
}
