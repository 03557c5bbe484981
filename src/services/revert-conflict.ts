import { RevertConflictError, type ValueConflict } from '../domain/errors.js';
import { getAtPointer } from '../domain/json-pointer.js';
import { deepEqual, type JsonValue } from '../domain/json-value.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import { parseStoredText } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';
import { type VersionView, viewOf } from './version-view.js';

/**
 * Later versions a revert's conflict detail reads, all its documents together (CAIRN_MAX_REVERT_LATER_VERSIONS). The
 * detail is computed inside the namespace's write lock, one parse of a document per later version: 100 versions of a
 * 1 MiB document is about a second of parsing (in slices, giving way between them), so neither a revert of a version
 * thousands of commits old nor one of a thousand documents holds the lock for minutes. Past it the detail lists the
 * newest versions read and says it was cut short.
 */
export const DEFAULT_MAX_REVERT_LATER_VERSIONS = 100;

/** A value as one side has it; `present: false` when the pointer does not exist there. */
export interface SideValue {
  readonly present: boolean;
  readonly value: JsonValue | null;
}

/** A later version that changed a conflicting value, and the value it set. */
export interface LaterValue {
  readonly version: VersionView;
  readonly value: SideValue;
}

/** Everything an operator needs to choose one conflicting value. */
export interface ConflictingValue {
  readonly pointer: string;
  /** Before the reverted version: what the revert would put back. */
  readonly before: SideValue;
  /** What the reverted version set. */
  readonly after: SideValue;
  /** At the head. */
  readonly current: SideValue;
  /** The later versions that changed it, newest first. */
  readonly later: readonly LaterValue[];
  /** More later versions changed the document than were read (see DEFAULT_MAX_REVERT_LATER_VERSIONS). */
  readonly truncated: boolean;
}

export interface DetailedConflict extends ValueConflict {
  readonly values: readonly ConflictingValue[];
}

/** A RevertConflict with the detail of every conflicting value. */
export class DetailedRevertConflictError extends RevertConflictError {
  constructor(
    version: string,
    readonly detailed: readonly DetailedConflict[],
  ) {
    super(version, detailed);
  }
}

export interface ConflictSides {
  readonly path: string;
  readonly pointers: readonly string[];
  readonly after: JsonValue | undefined;
  readonly before: JsonValue | undefined;
  readonly current: JsonValue | undefined;
}

/**
 * The detail of one document's conflicts, in one walk of the versions that changed the document from the head back
 * to the reverted version (the commit index lists them; each is read once). A version changed a value when the value
 * it left differs from the one the next older version left (the reverted version's, for the oldest).
 */
export async function conflictDetail(repo: GitRepository, reverted: IndexedCommit, sides: ConflictSides, budget: { left: number }): Promise<DetailedConflict> {
  const maxVersions = Math.max(0, budget.left);
  const history = repo.historyOf(sides.path);
  // One past the bound, to know whether the list is cut short.
  const later: number[] = [];
  for (let i = history.length - 1; i >= 0 && (history[i] ?? -1) > reverted.seq && later.length <= maxVersions; i--) later.push(history[i] ?? -1);
  const read = later.slice(0, maxVersions);
  budget.left -= read.length;
  // What each read version left at the path, newest first; a deleted document leaves undefined.
  const documents: { commit: IndexedCommit; value: JsonValue | undefined }[] = [];
  for (const seq of read) {
    const commit = repo.mainCommitAt(seq);
    const change = commit?.changes.find((c) => c.path === sides.path);
    if (!commit || !change) continue;
    documents.push({ commit, value: change.newOid ? await parseStoredText(sides.path, await repo.readText(change.newOid), change.newOid) : undefined });
    await giveWay();
  }
  const truncated = later.length > read.length;
  const values = sides.pointers.map((pointer): ConflictingValue => {
    const at = (document: JsonValue | undefined): JsonValue | undefined => (document === undefined ? undefined : getAtPointer(document, pointer));
    const changes: LaterValue[] = [];
    documents.forEach((document, i) => {
      const older = documents[i + 1];
      const value = at(document.value);
      // The oldest version read, when the list is cut short, is listed: what it replaced was not read.
      const changed = older ? !deepEqual(value, at(older.value)) : truncated || !deepEqual(value, at(sides.after));
      if (changed) changes.push({ version: viewOf(repo, document.commit), value: sideValue(value) });
    });
    return {
      pointer,
      before: sideValue(at(sides.before)),
      after: sideValue(at(sides.after)),
      current: sideValue(at(sides.current)),
      later: changes,
      truncated,
    };
  });
  return { path: sides.path, pointers: sides.pointers, values };
}

function sideValue(value: JsonValue | undefined): SideValue {
  return value === undefined ? { present: false, value: null } : { present: true, value };
}

/** Whether a conflict carries its detail (a RevertConflict raised by RevertService does). */
export function isDetailed(conflict: ValueConflict): conflict is DetailedConflict {
  return 'values' in conflict;
}
