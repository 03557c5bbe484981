import { isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { decodePointer } from './json-pointer.js';
import type { JsonValue } from './json-value.js';
import type { ValueChange } from './value-diff.js';
import { YAML_PARSE_OPTIONS } from './yaml-text.js';

const CREATE_OPTIONS = { aliasDuplicateObjects: false } as const;

/**
 * Applies changes to YAML source through its syntax tree, so that comments, key order and
 * scalar styles survive. Returns null when the source cannot be edited that way; callers must
 * still check the result, since anchors and merge keys can make one edit show up in several places.
 */
export function editYamlText(text: string, changes: readonly ValueChange[]): string | null {
  const document = parseDocument(text, YAML_PARSE_OPTIONS);
  if (document.errors.length > 0) return null;
  try {
    for (const change of changes) applyToDocument(document, change);
  } catch {
    // The yaml library throws when a path runs through an alias or a scalar; the caller falls back.
    return null;
  }
  return document.toString({ ...detectLayout(text), lineWidth: 0 });
}

function applyToDocument(document: Document, change: ValueChange): void {
  const keys = decodePointer(change.pointer);
  if (keys.length === 0) {
    document.contents = change.op === 'remove' ? null : document.createNode(change.newValue, CREATE_OPTIONS);
  } else if (change.op === 'remove') {
    if (!document.deleteIn(keys)) throw new Error(`nothing to remove at ${change.pointer}`);
  } else if (change.op === 'add') {
    addAt(document, keys, change.newValue ?? null);
  } else {
    replaceAt(document, keys, change.newValue ?? null);
  }
}

function addAt(document: Document, keys: readonly string[], value: JsonValue): void {
  const parentKeys = keys.slice(0, -1);
  const parent: unknown = parentKeys.length === 0 ? document.contents : document.getIn(parentKeys, true);
  const node = document.createNode(value, CREATE_OPTIONS);
  // Our changes only ever add array items at the end, so appending is the same as inserting.
  if (isSeq(parent)) parent.add(node);
  else if (isMap(parent)) parent.set(keys[keys.length - 1], node);
  else throw new Error('no collection to add to');
}

function replaceAt(document: Document, keys: readonly string[], value: JsonValue): void {
  const existing: unknown = document.getIn(keys, true);
  if (isScalar(existing) && (value === null || typeof value !== 'object')) {
    // Updating the scalar in place keeps its comment and, where still valid, its quoting style.
    if (typeof existing.value !== typeof value || existing.value === null || value === null) {
      existing.tag = undefined;
      existing.type = undefined;
      existing.format = undefined;
    }
    existing.value = value;
    return;
  }
  const node = document.createNode(value, CREATE_OPTIONS);
  if (isNode(existing)) copyComments(existing, node);
  document.setIn(keys, node);
}

function copyComments(from: Node, to: Node): void {
  to.commentBefore = from.commentBefore;
  to.comment = from.comment;
  to.spaceBefore = from.spaceBefore;
}

/** Re-rendering uses fixed indentation, so pick up the file's own to keep untouched lines as they were. */
function detectLayout(text: string): { indent: number; indentSeq: boolean } {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  const indents = lines.map((line) => line.length - line.trimStart().length).filter((width) => width > 0);
  const indent = Math.min(Math.max(indents.length > 0 ? Math.min(...indents.slice(0, 1000)) : 2, 1), 8);
  const indentSeq = !lines.some((line, index) => {
    const next = lines[index + 1];
    const keyIndent = line.length - line.trimStart().length;
    return /:\s*$/.test(line) && next !== undefined && next.startsWith(`${' '.repeat(keyIndent)}- `);
  });
  return { indent, indentSeq };
}
