import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { assertSerializable, serializeDocument } from '../domain/document-codec.js';
import { type DocumentFormat, documentFormatOf } from '../domain/document-path.js';
import type { JsonValue } from '../domain/json-value.js';
import { SerializedJson } from '../domain/serialized-json.js';
import type { JsonPatchOperation } from '../domain/json-patch.js';
import {
  type ParseAsJsonOutcome,
  type ParseOutcome,
  type ParseTask,
  type PatchTask,
  type SerializeTask,
  type UnifiedDiffTask,
  parse,
  unified,
} from './document-parser-worker.js';
import { ParsedDocumentCache, type ParsedForm } from './parsed-document-cache.js';
import { fromTransferable } from './transferable-error.js';

export interface ParserSettings {
  /** Worker threads that parse large documents (CAIRN_PARSE_THREADS); 0 parses everything on the event loop. */
  readonly threads: number;
}

/**
 * Text sizes below which a parse costs a few milliseconds (YAML parses at about 2 µs a byte, JSON at about 50 ns):
 * cheaper on the event loop than the trip to a worker and back. Larger documents are parsed on a worker thread, so
 * one 1 MiB YAML document (over a second of parsing) never holds the thread every tenant shares.
 */
const INLINE_BYTES = { json: 256 * 1024, yaml: 16 * 1024 } as const;

/** Idle worker threads exit after this long; the pool starts them again on demand. */
const IDLE_THREAD_MS = 30_000;

export const DEFAULT_PARSE_THREADS = Math.max(1, Math.min(4, availableParallelism() - 1));

let threads = DEFAULT_PARSE_THREADS;
let pool: Piscina | null = null;
const parsed = new ParsedDocumentCache();

/** Set once at start-up, before the first parse. */
export function configureDocumentParser(settings: ParserSettings): void {
  threads = settings.threads;
}

/** Stops the worker threads (server shutdown); a later parse starts them again. */
export async function closeDocumentParser(): Promise<void> {
  const closing = pool;
  pool = null;
  await closing?.destroy();
}

/**
 * Parses and checks a document about to be written (size, syntax, nesting, aliases, JSON-representable values), off
 * the event loop when it is large. Its value is remembered under its blob id: the checks and the change event that
 * follow the write read it from there instead of parsing the text again.
 */
export async function parseNewDocument(path: string, text: string, maxBytes: number, blob: string | null): Promise<JsonValue> {
  const cached = blob ? parsed.get(path, blob, maxBytes) : undefined;
  if (cached !== undefined) return cached;
  const form = await run({ path, text, maxBytes });
  if (blob) parsed.set(path, blob, form, text.length, maxBytes);
  return valueOf(form);
}

/**
 * The checks of `parseNewDocument` alone, for a write that needs no value yet: a large document's value stays the
 * JSON text its worker sent until a later check or change event asks for it (most writes: never).
 */
export async function checkNewDocument(path: string, text: string, maxBytes: number, blob: string): Promise<void> {
  if (parsed.has(path, blob, maxBytes)) return;
  parsed.set(path, blob, await run({ path, text, maxBytes }), text.length, maxBytes);
}

/** The value of a stored document parsed before (by any request), without reading its text again; undefined if none. */
export function cachedDocument(path: string, blob: string): JsonValue | undefined {
  return parsed.get(path, blob);
}

/** `cachedDocument`, with the length of the text behind the value (what reading it would have cost). */
export function cachedDocumentSized(path: string, blob: string): { readonly value: JsonValue; readonly bytes: number } | undefined {
  return parsed.getSized(path, blob);
}

/** The JSON text a worker wrote for a stored document parsed before, with the length of its text; undefined if none. */
export function cachedDocumentJson(path: string, blob: string): { readonly json: string; readonly bytes: number } | undefined {
  return parsed.getJson(path, blob);
}

/** Whether the value of a parsed document was built (tests: a read served from JSON text builds none). */
export function cachedValueBuilt(path: string, blob: string): boolean {
  return parsed.holdsValue(path, blob);
}

/**
 * `parseStoredText`, answering a large document as the JSON text its worker wrote: a reader that only passes the
 * value on (a response) never builds it.
 */
export async function parseStoredSerialized(path: string, text: string, blob: string): Promise<JsonValue | SerializedJson> {
  const form = await run({ path, text, maxBytes: null });
  parsed.set(path, blob, form, text.length);
  return 'json' in form ? new SerializedJson(form.json) : form.value;
}

/** Parses a stored document (validated when it was written, or committed from outside: then it may be invalid). */
export async function parseStoredText(path: string, text: string, blob: string | null): Promise<JsonValue> {
  const cached = blob ? parsed.get(path, blob) : undefined;
  if (cached !== undefined) return cached;
  const form = await run({ path, text, maxBytes: null });
  if (blob) parsed.set(path, blob, form, text.length);
  return valueOf(form);
}

async function run(task: ParseTask): Promise<ParsedForm> {
  // The same parser the workers run: one code path whichever thread parses.
  if (!onWorker(task)) return answer(parse(task));
  return answer((await workerPool().run(task, { name: 'parseAsJson' })) as ParseAsJsonOutcome);
}

function answer(outcome: ParseOutcome | ParseAsJsonOutcome): ParsedForm {
  if (!outcome.ok) throw fromTransferable(outcome.error);
  return 'json' in outcome ? { json: outcome.json } : { value: outcome.value };
}

function valueOf(form: ParsedForm): JsonValue {
  return 'value' in form ? form.value : (JSON.parse(form.json) as JsonValue);
}

/**
 * Texts (both sides together) above which a unified diff runs on a worker thread: below, Myers' algorithm takes
 * milliseconds; a 1 MiB document with thousands of changed lines took about a second of the event loop.
 */
const INLINE_DIFF_CHARS = 64 * 1024;

/** A Git-style unified diff of one document (text-diff.ts), off the event loop when the texts are large. */
export async function unifiedDiffOf(path: string, before: string | null, after: string | null): Promise<string> {
  const task: UnifiedDiffTask = { path, before, after };
  const large = (before?.length ?? 0) + (after?.length ?? 0) > INLINE_DIFF_CHARS;
  return threads > 0 && large ? ((await workerPool().run(task, { name: 'unified' })) as string) : unified(task);
}

/**
 * An RFC 6902 patch between two stored versions of a document, computed on a worker thread from their texts when
 * they are large (see INLINE_DIFF_CHARS); `inline` computes it here from values the caller has (often cached).
 */
export async function patchOf(task: PatchTask, inline: () => Promise<JsonPatchOperation[]>): Promise<JsonPatchOperation[]> {
  const large = (task.before?.length ?? 0) + (task.after?.length ?? 0) > INLINE_DIFF_CHARS;
  if (threads === 0 || !large) return inline();
  return JSON.parse((await workerPool().run(task, { name: 'patch' })) as string) as JsonPatchOperation[];
}

/** JSON text of a value below which writing it as YAML takes a few milliseconds: done here. */
const INLINE_SERIALIZE_CHARS = 16 * 1024;

/**
 * A document's text from a value (serializeDocument), YAML of large values written on a worker thread: the checks run
 * here first (a value too deep for JSON.stringify's recursion is refused before it is attempted).
 */
export async function serializeOffLoop(format: DocumentFormat, value: JsonValue): Promise<string> {
  if (format === 'json' || threads === 0) return serializeDocument(format, value);
  assertSerializable(value);
  const json = JSON.stringify(value);
  if (json.length <= INLINE_SERIALIZE_CHARS) return serializeDocument(format, value);
  return (await workerPool().run({ format, json } satisfies SerializeTask, { name: 'serialize' })) as string;
}

function onWorker(task: ParseTask): boolean {
  if (threads === 0) return false;
  const format = documentFormatOf(task.path) ?? 'json';
  // Stored JSON goes through V8's native JSON.parse: as fast as copying the value back from a worker would be.
  if (format === 'json' && task.maxBytes === null) return false;
  return task.text.length > INLINE_BYTES[format];
}

function workerPool(): Piscina {
  pool ??= new Piscina({
    filename: workerFile(),
    name: 'parse',
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: IDLE_THREAD_MS,
    // Under tsx (development, tests) the worker is TypeScript and needs the same loader; the build runs plain .js.
    execArgv: import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [],
  });
  return pool;
}

function workerFile(): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./document-parser-worker${extension}`, import.meta.url));
}
