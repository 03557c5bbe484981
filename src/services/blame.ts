import { ChangeAttribution } from '../domain/blame-attribution.js';
import { type BlameLeaf, PendingLeaves } from '../domain/blame-pending-leaves.js';
import { ValueCount } from '../domain/blame-value-count.js';
import { validateDocumentPath } from '../domain/document-path.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import { decodePointer, getAtPointer } from '../domain/json-pointer.js';
import type { JsonValue } from '../domain/json-value.js';
import { WorkBudget } from '../domain/work-budget.js';
import { type IndexedCommit, lastIndexAtOrBefore } from '../git/commit-index.js';
import type { Actor } from './actor.js';
import type { BlobSource } from './blob-source.js';
import { cachedDocument, parseStoredText } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';
import type { NamespaceAccess } from './namespace-access.js';
import type { NamespaceReader } from './namespace-reader.js';
import { type VersionView, versionArgument, versionAt, viewOf } from './version-view.js';

/**
 * Values one blame may read and compare, over every version it reads (CAIRN_MAX_BLAME_VALUES). A version read costs
 * the values of its document, the blamed document its values and its leaves' pointers, and each version's change
 * the pending pointers it is checked against. The worst case of a 20,000-leaf document changed in 1,000 versions,
 * each changing one value so that nearly every leaf stays pending down to the first, costs 40 million as an array
 * of numbers and 78 million as 10,000 objects of two members: both answer (in slices, a few seconds). Ten times
 * that, or 100 versions of a document of a million values, is refused.
 */
export const DEFAULT_MAX_BLAME_VALUES = 100_000_000;

/** The setting named when a blame is refused for the work it would take. */
export const MAX_BLAME_VALUES_SETTING = 'CAIRN_MAX_BLAME_VALUES';

/**
 * Entries (leaves) one blame may answer (CAIRN_MAX_BLAME_ENTRIES). The answer is built and serialized in one piece
 * on the event loop, about 10 µs an entry on a loaded 2-core machine: 25,000 hold it about a quarter of a second,
 * 50,000 held /healthz a second. A 1 MiB document can have 500,000 leaves (a 132 MB answer that held the server 10 s);
 * a subtree of it is blamed with a pointer.
 */
export const DEFAULT_MAX_BLAME_ENTRIES = 25_000;

/** The setting named when a blame is refused for the size of its answer. */
export const MAX_BLAME_ENTRIES_SETTING = 'CAIRN_MAX_BLAME_ENTRIES';

/** Units of work (values counted, built or looked at) between two chances for other requests to run. */
const STEP_UNITS = 1024;

/** One leaf value of a document and the version that last set it. */
export interface BlameEntry extends BlameLeaf {
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

export interface BlameOptions {
  /** Values one blame may read and compare; DEFAULT_MAX_BLAME_VALUES by default. */
  readonly maxValues?: number;
  /** Entries one blame may answer; DEFAULT_MAX_BLAME_ENTRIES by default. */
  readonly maxEntries?: number;
}

export class BlameService {
  private readonly maxValues: number;
  private readonly maxEntries: number;

  constructor(
    private readonly access: NamespaceAccess,
    options: BlameOptions = {},
  ) {
    this.maxValues = options.maxValues ?? DEFAULT_MAX_BLAME_VALUES;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_BLAME_ENTRIES;
  }

  async blame(actor: Actor, blobs: BlobSource, namespace: string, request: BlameRequest): Promise<BlameView> {
    const repo = await this.access.open(actor, namespace, 'viewer');
    const path = validateDocumentPath(request.path);
    const at = await versionAt(repo, versionArgument(request.at, request.asOf));
    return this.blameAt(repo, blobs, path, at, request.pointer ?? '');
  }

  /** Blame of a document its caller has already read (and so was allowed to). */
  blameAt(repo: NamespaceReader, blobs: BlobSource, path: string, at: VersionView, pointer: string): Promise<BlameView> {
    const work = new WorkBudget(MAX_BLAME_VALUES_SETTING, this.maxValues, 'blame reads and compares values');
    const answer = new WorkBudget(MAX_BLAME_ENTRIES_SETTING, this.maxEntries, 'blame answers one entry per leaf value (blame a subtree with a pointer)');
    return blameAt(repo, blobs, path, at, pointer, work, answer);
  }
}

/**
 * For each leaf value (scalars, empty objects and arrays) of `path` at `at`, the version that last set it: the
 * newest version whose change touched the value's pointer (at it, above it or below it). Served from the commit
 * index: only the versions that changed the document are read, newest first, each diffed against the one before
 * over the leaves still unattributed, until every leaf is attributed. A value moved to another pointer is
 * attributed to the move, as is one shifted in an array.
 */
async function blameAt(
  repo: NamespaceReader,
  blobs: BlobSource,
  path: string,
  at: VersionView,
  pointer: string,
  budget: WorkBudget,
  answer: WorkBudget,
): Promise<BlameView> {
  if (at.commit.seq < 0) throw new InvalidInputError(`blame reads main's history: ${at.commit.oid} is not on main`);
  const tokens = decodePointer(pointer);
  const documents = new DocumentVersions(repo, blobs, path, budget);
  const blob = await repo.blobAt(at.commit.oid, path);
  if (!blob) throw new NotFoundError('document', `${path}@${at.commit.oid.slice(0, 12)}`);
  const value = getAtPointer(await documents.value(blob), pointer);
  if (value === undefined) throw new InvalidInputError(`'${path}' has no value at '${pointer}' in ${at.commit.oid.slice(0, 12)}`);
  const building = PendingLeaves.build<IndexedCommit>(value, tokens, budget, answer);
  let leaves = building.step(STEP_UNITS);
  for (; leaves === null; leaves = building.step(STEP_UNITS)) await giveWay();
  await attribute(repo, documents, path, at.commit.seq, leaves, budget);
  const views = new Map<IndexedCommit, VersionView>();
  const viewOfCommit = (commit: IndexedCommit): VersionView => views.get(commit) ?? views.set(commit, viewOf(repo, commit)).get(commit)!;
  return {
    path,
    pointer,
    at,
    entries: leaves.leaves.map((leaf, i) => ({ ...leaf, version: viewOfCommit(leaves.versionOf(i) ?? at.commit) })),
  };
}

async function attribute(
  repo: NamespaceReader,
  documents: DocumentVersions,
  path: string,
  seq: number,
  leaves: PendingLeaves<IndexedCommit>,
  budget: WorkBudget,
): Promise<void> {
  const history = repo.historyOf(path);
  for (let k = lastIndexAtOrBefore(history, seq); k >= 0 && leaves.pending > 0; k -= 1) {
    const commit = repo.mainCommitAt(history[k] ?? -1);
    const change = commit?.changes.find((c) => c.path === path);
    if (!commit || !change) continue;
    const after = await documents.valueOrAbsent(change.newOid);
    const before = await documents.valueOrAbsent(change.oldOid);
    const walk = new ChangeAttribution(leaves, before, after, commit, budget);
    while (!walk.step(STEP_UNITS)) await giveWay();
    await giveWay();
  }
}

/**
 * Parsed versions of one document by blob id, charged to the blame's budget as they are read (whether the shared
 * parse cache had them or not: the same blame costs the same). Versions are read newest first and each blob is the
 * new side of one version and the old side of the next, so the last two are all this keeps: its memory stays two
 * documents however long the history.
 */
class DocumentVersions {
  private readonly parsed = new Map<string, JsonValue>();

  constructor(
    private readonly repo: NamespaceReader,
    private readonly blobs: BlobSource,
    private readonly path: string,
    private readonly budget: WorkBudget,
  ) {}

  async value(blob: string): Promise<JsonValue> {
    const cached = this.parsed.get(blob);
    if (cached !== undefined) return cached;
    // A version parsed before (by this blame's last run, a diff, a read) is not read from Git again.
    const value = cachedDocument(this.path, blob) ?? (await parseStoredText(this.path, await this.blobs.text(this.repo, blob), blob));
    const count = new ValueCount(value);
    for (this.budget.spend(count.step(STEP_UNITS)); !count.done; this.budget.spend(count.step(STEP_UNITS))) await giveWay();
    if (this.parsed.size >= 2) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(blob, value);
    return value;
  }

  valueOrAbsent(blob: string | null): Promise<JsonValue | undefined> {
    return blob ? this.value(blob) : Promise.resolve(undefined);
  }
}
