import { documentFormatOf, isDocumentPath } from '../domain/document-path.js';
import { InvalidInputError } from '../domain/errors.js';
import type { JsonValue } from '../domain/json-value.js';
import { type DocumentSide, type Resolutions, revertDocument } from '../domain/revert-merge.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { parseStoredText } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';
import { conflictDetail, DEFAULT_MAX_REVERT_LATER_VERSIONS, type DetailedConflict, DetailedRevertConflictError } from './revert-conflict.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import { type WriteOptions, type WritePlan, writeInputs } from './write-request.js';

/** The value an operator chose for one conflicting value of a revert. */
export interface RevertResolution {
  readonly path: string;
  readonly pointer: string;
  /** The value to commit; ignored when `remove`. */
  readonly value?: JsonValue | null;
  /** Commit the revert without this value. */
  readonly remove?: boolean | null;
}

export interface RevertRequest extends WriteOptions {
  readonly version: string;
  /** Chosen values for the conflicts a revert without them answers; each must name a conflicting value. */
  readonly resolutions?: readonly RevertResolution[] | null;
}

export interface RevertOptions {
  /** Later versions of a document a conflict's detail reads; DEFAULT_MAX_REVERT_LATER_VERSIONS by default. */
  readonly maxLaterVersions?: number;
}

/**
 * Revert of C: a new commit undoing C alone. Each document C touched is merged three ways (C's parent, C, head);
 * when a later commit changed the same values, nothing is committed and the conflicts are listed with, for each value,
 * the later versions that changed it. With resolutions for every conflicting value, the revert commits those values.
 */
export class RevertService {
  private readonly maxLaterVersions: number;

  constructor(
    private readonly pipeline: WritePipeline,
    options: RevertOptions = {},
  ) {
    this.maxLaterVersions = options.maxLaterVersions ?? DEFAULT_MAX_REVERT_LATER_VERSIONS;
  }

  revert(actor: Actor, request: RevertRequest): Promise<WriteOutcome> {
    const resolutions = resolutionsByPath(request.resolutions ?? []);
    const payload = [...writeInputs(request), request.version, ...(resolutions.size ? [request.resolutions] : [])];
    return this.pipeline.run(actor, request, { operation: 'revert', payload }, (repo, head) =>
      planRevert(repo, head, request.version, resolutions, this.maxLaterVersions),
    );
  }
}

async function planRevert(
  repo: GitRepository,
  head: IndexedCommit | null,
  version: string,
  resolutions: ReadonlyMap<string, Resolutions>,
  maxLaterVersions: number,
): Promise<WritePlan> {
  const commit = await repo.describe(await repo.resolve(version));
  if (commit.seq < 0) throw new InvalidInputError(`'${version}' is not a version of main; only main's versions are reverted`);
  const files = new Map<string, string | null>();
  const conflicts: DetailedConflict[] = [];
  // One budget for the whole revert: each document in conflict reads what the ones before it left.
  const budget = { left: maxLaterVersions };
  const changes = commit.changes.filter((c) => isDocumentPath(c.path));
  const unknown = [...resolutions.keys()].find((path) => !changes.some((c) => c.path === path));
  if (unknown !== undefined) throw notInConflict(unknown, [...(resolutions.get(unknown)?.keys() ?? [])][0] ?? '');
  for (const change of changes) {
    const [before, after, current] = await Promise.all([
      side(repo, change.path, change.oldOid),
      side(repo, change.path, change.newOid),
      head ? repo.blobAt(head.oid, change.path).then((oid) => side(repo, change.path, oid)) : null,
    ]);
    const format = documentFormatOf(change.path) ?? 'json';
    const plain = revertDocument(change.path, format, before, after, current);
    const chosen = resolutions.get(change.path);
    const conflicting = plain.kind === 'conflict' ? plain.pointers : [];
    // The whole document ('') may settle any conflict of it; a single value only its own.
    const stray = [...(chosen?.keys() ?? [])].find((pointer) => (pointer === '' ? plain.kind !== 'conflict' : !conflicting.includes(pointer)));
    if (stray !== undefined) throw notInConflict(change.path, stray);
    const outcome = chosen ? revertDocument(change.path, format, before, after, current, chosen) : plain;
    if (outcome.kind === 'conflict') {
      const sides = { path: change.path, pointers: conflicting, before: before?.value, after: after?.value, current: current?.value };
      conflicts.push(await conflictDetail(repo, commit, sides, budget));
    } else if (outcome.kind === 'write') files.set(change.path, outcome.text);
    else if (outcome.kind === 'delete') files.set(change.path, null);
    await giveWay();
  }
  if (conflicts.length) throw new DetailedRevertConflictError(commit.oid, conflicts);
  const resolved = [...resolutions].flatMap(([path, chosen]) =>
    [...chosen.keys()].map((pointer) => `${encodeURIComponent(path)}#${encodeURIComponent(pointer)}`),
  );
  return { action: 'revert', files, reverts: commit.oid, ...(resolved.length ? { resolved } : {}) };
}

function notInConflict(path: string, pointer: string): InvalidInputError {
  return new InvalidInputError(`resolution for ${path} '${pointer}': that value is not in conflict in this revert`);
}

/** Resolutions by document and pointer; the same value chosen twice is refused rather than one silently winning. */
function resolutionsByPath(resolutions: readonly RevertResolution[]): ReadonlyMap<string, Resolutions> {
  const byPath = new Map<string, Map<string, JsonValue | undefined>>();
  for (const { path, pointer, value, remove } of resolutions) {
    const chosen = byPath.get(path) ?? new Map<string, JsonValue | undefined>();
    if (chosen.has(pointer)) throw new InvalidInputError(`two resolutions for ${path} '${pointer}'`);
    if (!remove && value === undefined) throw new InvalidInputError(`resolution for ${path} '${pointer}': give a value, or remove: true`);
    chosen.set(pointer, remove ? undefined : (value ?? null));
    byPath.set(path, chosen);
  }
  return byPath;
}

async function side(repo: GitRepository, path: string, oid: string | null): Promise<DocumentSide | null> {
  if (!oid) return null;
  const text = await repo.readText(oid);
  return { text, value: await parseStoredText(path, text, oid) };
}
