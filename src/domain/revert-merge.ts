import { serializeDocument } from './document-codec.js';
import type { DocumentFormat } from './document-path.js';
import { cloneJson } from './json-clone.js';
import { getAtPointer } from './json-pointer.js';
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
): RevertOutcome {
  if (deepEqual(current?.value, before?.value)) return { kind: 'unchanged' };
  if (current !== null && after !== null && current.text === after.text) {
    return before === null ? { kind: 'delete' } : { kind: 'write', text: before.text };
  }
  if (before === null) return revertAddition(after, current);
  if (after === null) return current === null ? { kind: 'write', text: before.text } : WHOLE_DOCUMENT_CONFLICT;
  if (current === null) return WHOLE_DOCUMENT_CONFLICT;
  return mergeInverse(path, format, before, after, current);
}

/** The commit created the document: delete it, unless it has been changed since. */
function revertAddition(after: DocumentSide | null, current: DocumentSide | null): RevertOutcome {
  if (after === null) return { kind: 'unchanged' };
  return current !== null && deepEqual(current.value, after.value) ? { kind: 'delete' } : WHOLE_DOCUMENT_CONFLICT;
}

function mergeInverse(path: string, format: DocumentFormat, before: DocumentSide, after: DocumentSide, current: DocumentSide): RevertOutcome {
  const conflicts = new Set<string>();
  const toApply: ValueChange[] = [];
  for (const change of diffValues(after.value, before.value)) {
    const now = getAtPointer(current.value, change.pointer);
    if (deepEqual(now, getAtPointer(after.value, change.pointer))) toApply.push(change);
    else if (!deepEqual(now, getAtPointer(before.value, change.pointer))) conflicts.add(change.pointer);
  }
  let merged: JsonValue | undefined = cloneJson(current.value);
  for (const change of toApply) {
    const result = applyValueChange(merged, change);
    if (result.ok) merged = result.value;
    else conflicts.add(change.pointer);
  }
  if (conflicts.size > 0) return { kind: 'conflict', pointers: [...conflicts].sort() };
  if (merged === undefined) return { kind: 'delete' };
  if (deepEqual(merged, current.value)) return { kind: 'unchanged' };
  return { kind: 'write', text: renderMerged(path, format, current.text, toApply, merged) };
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
