import { parseDocument, parseStoredDocument, serializeDocument } from '../domain/document-codec.js';
import type { DocumentFormat } from '../domain/document-path.js';
import type { JsonValue } from '../domain/json-value.js';
import { InvalidDocumentError } from '../domain/errors.js';
import { createJsonPatch } from '../domain/json-patch.js';
import { unifiedDiff } from '../domain/text-diff.js';
import { type TransferableError, toTransferable } from './transferable-error.js';

/** What a parse answers: the value, or the typed failure as data (see transferable-error.ts). */
export type ParseOutcome = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly error: TransferableError };

/**
 * What a parse on a worker thread sends back: the value as JSON text. The receiving thread rebuilds a structured
 * clone on the event loop (a 1 MiB document: about 100 ms); a string crosses as one copy, and JSON.parse rebuilds
 * the value in a fraction of that time, and only if someone asks for it (a write's checks usually do not).
 */
export type ParseAsJsonOutcome = { readonly ok: true; readonly json: string } | { readonly ok: false; readonly error: TransferableError };

export interface ParseTask {
  readonly path: string;
  readonly text: string;
  /** A document to be written, checked against this size limit; null: stored text, already validated once. */
  readonly maxBytes: number | null;
}

/** Runs on a pool thread (piscina loads this file there): the domain's parsers, off the event loop. */
export function parse(task: ParseTask): ParseOutcome {
  try {
    const value = task.maxBytes === null ? parseStoredDocument(task.path, task.text) : parseDocument(task.path, task.text, task.maxBytes);
    return { ok: true, value };
  } catch (error) {
    const transferable = toTransferable(error);
    if (transferable) return { ok: false, error: transferable };
    throw error;
  }
}

/** Runs on a pool thread: `parse`, answering JSON text (the values of documents are plain JSON, checked so). */
export function parseAsJson(task: ParseTask): ParseAsJsonOutcome {
  const outcome = parse(task);
  return outcome.ok ? { ok: true, json: JSON.stringify(outcome.value) } : outcome;
}

export interface SerializeTask {
  readonly format: DocumentFormat;
  /** The value as JSON text: a string crosses to the worker as one copy, a structured clone is built per value. */
  readonly json: string;
}

/** Runs on a pool thread: the `yaml` library writes a 1 MiB value in over half a second. */
export function serialize(task: SerializeTask): string {
  return serializeDocument(task.format, JSON.parse(task.json) as JsonValue);
}

export interface UnifiedDiffTask {
  readonly path: string;
  readonly before: string | null;
  readonly after: string | null;
}

export interface PatchTask {
  readonly path: string;
  readonly before: string | null;
  readonly after: string | null;
}

/**
 * Runs on a pool thread too: rfc6902's patch between two large versions walks every value in one synchronous stretch
 * (a 1 MiB document: over 100 ms). Answers the patch as JSON text, like `parseAsJson`.
 */
export function patch(task: PatchTask): string {
  return JSON.stringify(createJsonPatch(storedValue(task.path, task.before), storedValue(task.path, task.after)));
}

/** A stored version's value; one committed from outside that does not parse has none, as in document-diff.ts. */
function storedValue(path: string, text: string | null): JsonValue | undefined {
  if (text === null) return undefined;
  try {
    return parseStoredDocument(path, text);
  } catch (error) {
    if (error instanceof InvalidDocumentError) return undefined;
    throw error;
  }
}

/** Runs on a pool thread too: a line diff of large texts is up to a second of Myers' algorithm (see text-diff.ts). */
export function unified(task: UnifiedDiffTask): string {
  return unifiedDiff(task.path, task.before, task.after);
}
