import { serializeDocument } from './document-codec.js';
import type { DocumentFormat } from './document-path.js';
import { cloneJson } from './json-clone.js';
import { decodePointer, encodePointer, getAtPointer } from './json-pointer.js';
import { deepEqual, type JsonValue } from './json-value.js';
import { applyValueChange } from './value-edit.js';
import { diffValues, type ValueChange } from './value-diff.js';
import { editYamlText } from './yaml-edit.js';
import { parseYamlText } from './yaml-text.js';

export interface DocumentSide {
  text: string;
  value: JsonValue;
}

export type RevertOutcome = { kind: 'unchanged' } | { kind: 'write'; text: string } | { kind: 'delete' } | { kind: 'conflict'; pointers: string[] };

/**
 * The values an operator chose for conflicting pointers of one document: the JSON value, or undefined to remove it.
 * The whole-document conflict ('') takes the whole document (undefined deletes it).
 */
export type Resolutions = ReadonlyMap<string, JsonValue | undefined>;

const NO_RESOLUTIONS: Resolutions = new Map();

const WHOLE_DOCUMENT_CONFLICT: RevertOutcome = { kind: 'conflict', pointers: [''] };

/**
 * Undoes one commit's change to a document (after -> before) on top of the document as it is
 * now. Each value the commit changed is put back only where nobody has changed it since;
 * a value changed again later is a conflict, never silently overwritten.
 */
export function revertDocument(
  path: string,
  format: DocumentFormat,
  before: DocumentSide | null,
  after: DocumentSide | null,
  current: DocumentSide | null,
  resolutions: Resolutions = NO_RESOLUTIONS,
): RevertOutcome {
  const whole = resolutions.has('') ? resolveWhole(format, resolutions.get(''), current) : null;
  const outcome = revertUnresolved(path, format, before, after, current, resolutions);
  // The whole document chosen settles every conflict in it, whichever values they were.
  return whole && outcome.kind === 'conflict' ? whole : outcome;
}

function revertUnresolved(
  path: string,
  format: DocumentFormat,
  before: DocumentSide | null,
  after: DocumentSide | null,
  current: DocumentSide | null,
  resolutions: Resolutions,
): RevertOutcome {
  if (deepEqual(current?.value, before?.value)) return { kind: 'unchanged' };
  if (current !== null && after !== null && current.text === after.text) {
    return before === null ? { kind: 'delete' } : { kind: 'write', text: before.text };
  }
  if (before === null) return revertAddition(after, current);
  if (after === null) return current === null ? { kind: 'write', text: before.text } : WHOLE_DOCUMENT_CONFLICT;
  if (current === null) return WHOLE_DOCUMENT_CONFLICT;
  return mergeInverse(path, format, before, after, current, resolutions);
}

/** The operator's choice for the whole document, against what is there now. */
function resolveWhole(format: DocumentFormat, value: JsonValue | undefined, current: DocumentSide | null): RevertOutcome {
  if (value === undefined) return current === null ? { kind: 'unchanged' } : { kind: 'delete' };
  return current !== null && deepEqual(current.value, value) ? { kind: 'unchanged' } : { kind: 'write', text: serializeDocument(format, value) };
}

/** The commit created the document: delete it, unless it has been changed since. */
function revertAddition(after: DocumentSide | null, current: DocumentSide | null): RevertOutcome {
  if (after === null) return { kind: 'unchanged' };
  return current !== null && deepEqual(current.value, after.value) ? { kind: 'delete' } : WHOLE_DOCUMENT_CONFLICT;
}

function mergeInverse(
  path: string,
  format: DocumentFormat,
  before: DocumentSide,
  after: DocumentSide,
  current: DocumentSide,
  resolutions: Resolutions,
): RevertOutcome {
  const conflicts = new Set<string>();
  const toApply: ValueChange[] = [];
  const resolved: ValueChange[] = [];
  for (const change of diffValues(after.value, before.value)) {
    const now = getAtPointer(current.value, change.pointer);
    if (deepEqual(now, getAtPointer(after.value, change.pointer))) toApply.push(change);
    else if (deepEqual(now, getAtPointer(before.value, change.pointer))) continue;
    else if (resolutions.has(change.pointer)) resolved.push(...resolutionChange(change.pointer, now, resolutions.get(change.pointer)));
    else conflicts.add(change.pointer);
  }
  // The chosen values go last: the clean changes keep their array order, and a choice is made against the merge.
  toApply.push(...resolved);
  let merged: JsonValue | undefined = cloneJson(current.value);
  for (const change of toApply) {
    const result = applyValueChange(merged, change);
    if (result.ok) {
      merged = result.value;
      continue;
    }
    // A change that cannot apply here (its parent is gone) is a conflict, which a choice for that value settles.
    const settled = resolutions.has(change.pointer) ? applyChoice(merged, change.pointer, resolutions.get(change.pointer)) : null;
    if (settled) merged = settled.value;
    else conflicts.add(change.pointer);
  }
  if (conflicts.size > 0) return { kind: 'conflict', pointers: [...conflicts].sort() };
  if (merged === undefined) return { kind: 'delete' };
  if (deepEqual(merged, current.value)) return { kind: 'unchanged' };
  return { kind: 'write', text: renderMerged(path, format, current.text, toApply, merged) };
}

/**
 * The chosen value put in place against the merge so far, creating the objects on its way that are missing (a value
 * chosen under a parent later versions removed); null when even that cannot place it (an array in the way).
 */
function applyChoice(merged: JsonValue | undefined, pointer: string, chosen: JsonValue | undefined): { value: JsonValue | undefined } | null {
  if (merged === undefined) return null;
  const now = getAtPointer(merged, pointer);
  let document: JsonValue | undefined = merged;
  if (chosen !== undefined) {
    const tokens = decodePointer(pointer);
    for (let depth = 1; depth < tokens.length; depth++) {
      const parent = encodePointer(tokens.slice(0, depth));
      if (document === undefined) return null;
      if (getAtPointer(document, parent) !== undefined) continue;
      const created = applyValueChange(document, { pointer: parent, op: 'add', newValue: {} });
      if (!created.ok) return null;
      document = created.value;
    }
  }
  let value = document;
  for (const change of resolutionChange(pointer, now, chosen)) {
    const result = applyValueChange(value, change);
    if (!result.ok) return null;
    value = result.value;
  }
  return { value };
}

/** The change that puts the chosen value where the current one is (none when they already agree). */
function resolutionChange(pointer: string, now: JsonValue | undefined, chosen: JsonValue | undefined): ValueChange[] {
  if (deepEqual(now, chosen)) return [];
  if (chosen === undefined) return [{ pointer, op: 'remove', oldValue: now }];
  if (now === undefined) return [{ pointer, op: 'add', newValue: chosen }];
  return [{ pointer, op: 'replace', oldValue: now, newValue: chosen }];
}

/** YAML keeps the current file's comments and layout when the edited text provably parses to the merge. */
function renderMerged(path: string, format: DocumentFormat, currentText: string, changes: readonly ValueChange[], merged: JsonValue): string {
  if (format === 'yaml') {
    const edited = editYamlText(currentText, changes);
    if (edited !== null && yamlParsesTo(path, edited, merged)) return edited;
  }
  return serializeDocument(format, merged);
}

function yamlParsesTo(path: string, text: string, expected: JsonValue): boolean {
  try {
    return deepEqual(parseYamlText(path, text, Number.POSITIVE_INFINITY), expected);
  } catch {
    return false;
  }
}
