import { documentFormatOf } from '../domain/document-path.js';
import { InvalidInputError, NotFoundError, OverlayConflictError } from '../domain/errors.js';
import type { JsonPatchOperation } from '../domain/json-patch.js';
import { deepEqual, type JsonValue } from '../domain/json-value.js';
import { applyOverlay, parseOverlay } from '../domain/overlay-patch.js';
import { overlayPathOf, validateBasePath, validateClusterName } from '../domain/overlay-path.js';
import { BASE_LAYER, leavesOf, operationKey, operationsIntroduced, settingOperationsOf, touchedBy } from '../domain/overlay-provenance.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import { storedDiff } from './diff.js';
import { DocumentDiff } from './document-diff.js';
import type { VersionDiff } from './diff.js';
import type { NamespaceAccess } from './namespace-access.js';
import { type VersionView, versionAt, viewOf } from './version-view.js';
import { parseStoredText, serializeOffLoop } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';
import { BundleCache } from './bundle-cache.js';

/** One field (leaf JSON pointer) of an effective document and where its value comes from. */
export interface FieldProvenance {
  readonly pointer: string;
  readonly value: JsonValue;
  /** 'BASE', or the cluster whose overlay set it. */
  readonly layer: string;
  /** The overlay operation that set it (from 0); null for base fields. */
  readonly opIndex: number | null;
  /** The version that last set it in that layer. */
  readonly version: VersionView;
}

/** A base document with one cluster's overlay applied, at one version. */
export interface EffectiveConfig {
  readonly path: string;
  readonly cluster: string | null;
  readonly at: VersionView;
  readonly overlayPath: string | null;
  /** null when the cluster has no overlay at this version: its effective document is the base. */
  readonly overlay: readonly JsonPatchOperation[] | null;
  readonly content: JsonValue;
  /** Computed on demand: it walks the history of the base and the overlay. */
  provenance(): Promise<FieldProvenance[]>;
}

export interface EffectiveSide {
  readonly cluster?: string | null;
  readonly at?: string | null;
}

interface Layers {
  readonly base: JsonValue | undefined;
  /** The base document as stored (its comments and layout), when there is one. */
  readonly baseText: string | null;
  readonly overlay: JsonPatchOperation[] | null;
  readonly overlayPath: string | null;
}

/** A base document as one cluster runs it: its overlay applied, in the base's own format. */
export interface EffectiveDocument {
  readonly path: string;
  readonly content: JsonValue;
  readonly text: string;
}

/** Effective configurations: base documents with per-cluster RFC 6902 overlays, their provenance and diffs. */
export class OverlayService {
  private readonly bundles = new BundleCache<EffectiveDocument>();

  constructor(private readonly access: NamespaceAccess) {}

  /**
   * Every base document at `commit` with `cluster`'s overlay applied (Cairn's own `.cairn/` files and the overlays
   * themselves left out): the configuration an instance of that cluster runs (null: of no cluster, the base). Reads go through `blobs`, so the
   * request's read budget bounds them; who may ask is the caller's decision (an agent asks for its environment).
   */
  async effectiveDocuments(repo: GitRepository, blobs: BlobSource, commit: IndexedCommit, cluster: string | null, prefix = ''): Promise<EffectiveDocument[]> {
    const documents: EffectiveDocument[] = [];
    for (const { path } of await repo.filesIn(commit.tree)) {
      if (path.startsWith('.cairn/') || !isBaseDocument(path) || !path.startsWith(prefix)) continue;
      const layers = await readLayers(repo, blobs, path, cluster, commit);
      if (layers.base === undefined) continue;
      const content = effectiveValue(path, cluster, layers);
      // Without an overlay the document is the base as stored: its comments and layout reach the instance too.
      const text = layers.overlay === null && layers.baseText !== null ? layers.baseText : await serializeOffLoop(documentFormatOf(path) ?? 'json', content);
      documents.push({ path, content, text });
      await giveWay();
    }
    return documents;
  }

  /**
   * Every effective document under `prefix` at one version (`at`, else main's head) as `cluster`'s instances run
   * them: a bundle, so that a reader never mixes two versions across documents.
   */
  async effectiveBundle(
    actor: Actor,
    blobs: BlobSource,
    namespace: string,
    prefix: string,
    cluster: string | null,
    at: string | null,
  ): Promise<{ at: VersionView; documents: readonly EffectiveDocument[] }> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const version = await versionAt(repo, at ?? 'HEAD');
    if (version.commit.seq < 0) throw new InvalidInputError(`'${at ?? 'HEAD'}' is not a version of main; effective configs are read at versions of main`);
    const documents = await this.bundleOf(repo, blobs, version.commit, cluster === null ? null : validateClusterName(cluster), prefix);
    return { at: version, documents };
  }

  /**
   * The effective documents under `prefix` at `commit` for `cluster`, from the bundle cache; whoever asks was let in
   * by the caller (a viewer of the namespace, an agent for its desired version).
   */
  bundleOf(repo: GitRepository, blobs: BlobSource, commit: IndexedCommit, cluster: string | null, prefix: string): Promise<readonly EffectiveDocument[]> {
    const key = [repo.name, commit.oid, cluster ?? '', prefix].join('\0');
    return this.bundles.get(key, () => this.effectiveDocuments(repo, blobs, commit, cluster, prefix));
  }

  async effectiveConfig(
    actor: Actor,
    blobs: BlobSource,
    namespace: string,
    path: string,
    cluster?: string | null,
    at?: string | null,
  ): Promise<EffectiveConfig> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const basePath = validateBasePath(path);
    const version = await versionAt(repo, at ?? 'HEAD');
    // Provenance walks main's commit index; a commit off main (a tag made with the git CLI) has no place in it.
    if (version.commit.seq < 0) throw new InvalidInputError(`'${at ?? 'HEAD'}' is not a version of main; effective configs are read at versions of main`);
    const layers = await readLayers(repo, blobs, basePath, cluster ?? null, version.commit);
    if (layers.base === undefined) throw new NotFoundError('document', `${basePath}@${version.commit.oid.slice(0, 12)}`);
    const content = effectiveValue(basePath, cluster ?? null, layers);
    return {
      path: basePath,
      cluster: cluster ?? null,
      at: version,
      overlayPath: layers.overlay ? layers.overlayPath : null,
      overlay: layers.overlay,
      content,
      provenance: () => provenanceOf(repo, blobs, basePath, cluster ?? null, layers, version.commit, content),
    };
  }

  /** The effective document of one (cluster, version) against another's, in the shape of a version diff. */
  async effectiveDiff(actor: Actor, blobs: BlobSource, namespace: string, path: string, from: EffectiveSide, to: EffectiveSide): Promise<VersionDiff> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const basePath = validateBasePath(path);
    const [a, b] = await Promise.all([versionAt(repo, from.at ?? 'HEAD'), versionAt(repo, to.at ?? 'HEAD')]);
    const [before, after] = await Promise.all([
      effectiveAt(repo, blobs, basePath, from.cluster ?? null, a.commit),
      effectiveAt(repo, blobs, basePath, to.cluster ?? null, b.commit),
    ]);
    if (before === undefined && after === undefined) throw new NotFoundError('document', basePath);
    if (before !== undefined && after !== undefined && deepEqual(before, after)) return { from: a, to: b, files: [] };
    const format = documentFormatOf(basePath) ?? 'json';
    const side = (value: JsonValue | undefined) => (value === undefined ? null : { text: () => serializeOffLoop(format, value), blob: null });
    const status = before === undefined ? 'added' : after === undefined ? 'deleted' : 'modified';
    return { from: a, to: b, files: [new DocumentDiff(basePath, status, side(before), side(after))] };
  }
}

/** A document an overlay applies to: JSON or YAML, not itself inside an overlay folder. */
function isBaseDocument(path: string): boolean {
  try {
    validateBasePath(path);
    return true;
  } catch {
    return false;
  }
}

async function effectiveAt(
  repo: GitRepository,
  blobs: BlobSource,
  basePath: string,
  cluster: string | null,
  commit: IndexedCommit,
): Promise<JsonValue | undefined> {
  const layers = await readLayers(repo, blobs, basePath, cluster, commit);
  return layers.base === undefined ? undefined : effectiveValue(basePath, cluster, layers);
}

async function readLayers(repo: GitRepository, blobs: BlobSource, basePath: string, cluster: string | null, commit: IndexedCommit): Promise<Layers> {
  const overlayPath = cluster === null ? null : overlayPathOf(basePath, validateClusterName(cluster));
  const read = async (path: string | null): Promise<{ text: string; blob: string } | null> => {
    const blob = path === null ? null : await repo.blobAt(commit.oid, path);
    return blob === null ? null : { text: await blobs.text(repo, blob), blob };
  };
  const [baseSide, overlaySide] = await Promise.all([read(basePath), read(overlayPath)]);
  const base = baseSide === null ? undefined : await parseStoredText(basePath, baseSide.text, baseSide.blob);
  const overlayText = overlaySide?.text ?? null;
  const baseText = baseSide?.text ?? null;
  if (overlayText === null || overlayPath === null) return { base, baseText, overlay: null, overlayPath };
  try {
    return { base, baseText, overlay: parseOverlay(overlayPath, overlayText), overlayPath };
  } catch (error) {
    // Only a commit made outside Cairn can store a malformed overlay.
    const reason = error instanceof Error ? error.message : String(error);
    throw new OverlayConflictError([{ basePath, cluster: cluster ?? '', overlayPath, opIndex: null, reason }]);
  }
}

function effectiveValue(basePath: string, cluster: string | null, layers: Layers): JsonValue {
  if (layers.base === undefined) throw new NotFoundError('document', basePath);
  if (!layers.overlay || layers.overlayPath === null) return layers.base;
  const result = applyOverlay(layers.base, layers.overlay);
  if (result.ok) return result.value;
  throw new OverlayConflictError([{ basePath, cluster: cluster ?? '', overlayPath: layers.overlayPath, ...result.failure }]);
}

async function provenanceOf(
  repo: GitRepository,
  blobs: BlobSource,
  basePath: string,
  cluster: string | null,
  layers: Layers,
  at: IndexedCommit,
  content: JsonValue,
): Promise<FieldProvenance[]> {
  const plain = leavesOf(content);
  const setBy = layers.overlay
    ? settingOperationsOf(
        plain.map((leaf) => leaf.pointer),
        layers.overlay,
      )
    : [];
  const leaves = plain.map((leaf, i) => ({ ...leaf, opIndex: setBy[i] ?? null }));
  const basePointers = leaves.filter((l) => l.opIndex === null).map((l) => l.pointer);
  const opIndexes = new Set(leaves.flatMap((l) => (l.opIndex === null ? [] : [l.opIndex])));
  const [baseCommits, opCommits] = await Promise.all([
    lastSetters(repo, blobs, basePath, at.seq, basePointers),
    layers.overlay && layers.overlayPath
      ? operationSetters(repo, blobs, layers.overlayPath, at.seq, layers.overlay, opIndexes)
      : new Map<number, IndexedCommit>(),
  ]);
  return leaves.map((leaf) => {
    const commit = leaf.opIndex === null ? baseCommits.get(leaf.pointer) : opCommits.get(leaf.opIndex);
    const fallback = repo.lastChangeOf(leaf.opIndex === null ? basePath : (layers.overlayPath ?? basePath), at.seq) ?? at;
    return {
      pointer: leaf.pointer,
      value: leaf.value,
      layer: leaf.opIndex === null ? BASE_LAYER : (cluster ?? BASE_LAYER),
      opIndex: leaf.opIndex,
      version: viewOf(repo, commit ?? fallback),
    };
  });
}

/** Per pointer, the newest commit at or before `seq` that changed its value in `path`: the file's history, newest first. */
async function lastSetters(
  repo: GitRepository,
  blobs: BlobSource,
  path: string,
  seq: number,
  pointers: readonly string[],
): Promise<Map<string, IndexedCommit>> {
  const found = new Map<string, IndexedCommit>();
  const pending = new Set(pointers);
  for (const commit of changesOf(repo, path, seq)) {
    if (pending.size === 0) break;
    const change = commit.changes.find((c) => c.path === path);
    if (!change) continue;
    for (const pointer of touchedBy(pending, await storedDiff(repo, blobs, change).changes())) {
      found.set(pointer, commit);
      pending.delete(pointer);
    }
    await giveWay();
  }
  return found;
}

/** Per overlay operation, the newest commit at or before `seq` that put that exact operation in the patch file. */
async function operationSetters(
  repo: GitRepository,
  blobs: BlobSource,
  path: string,
  seq: number,
  patch: readonly JsonPatchOperation[],
  indexes: ReadonlySet<number>,
): Promise<Map<number, IndexedCommit>> {
  const found = new Map<number, IndexedCommit>();
  const pending = new Set(indexes);
  const keys = patch.map((operation) => operationKey(operation as unknown as JsonValue));
  for (const commit of changesOf(repo, path, seq)) {
    if (pending.size === 0) break;
    const change = commit.changes.find((c) => c.path === path);
    if (!change) continue;
    const diff = storedDiff(repo, blobs, change);
    const [before, after] = await Promise.all([diff.oldValue(), diff.newValue()]);
    const introduced = operationsIntroduced(before, after);
    for (const index of pending) {
      const operation = patch[index];
      if (operation && introduced.has(keys[index] ?? '')) {
        found.set(index, commit);
        pending.delete(index);
      }
    }
    await giveWay();
  }
  return found;
}

/** The commits that changed `path`, newest first, from `seq` back. */
function* changesOf(repo: GitRepository, path: string, seq: number): Generator<IndexedCommit> {
  const history = repo.historyOf(path);
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const at = history[i] ?? -1;
    if (at > seq) continue;
    const commit = repo.mainCommitAt(at);
    if (commit) yield commit;
  }
}
