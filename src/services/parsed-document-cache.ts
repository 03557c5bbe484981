import type { JsonValue } from '../domain/json-value.js';

/** Text bytes of parsed documents kept: about ten times that in memory as values, plus a worker's JSON text. */
const MAX_TEXT_BYTES = 32 * 1024 * 1024;

/** A parsed document: its value, or the JSON text a worker thread sent, turned into the value on first use. */
export type ParsedForm = { readonly value: JsonValue } | { readonly json: string };

/** What is held of a document: its value once built, and the worker's JSON text, kept to be served as is. */
interface Held {
  value?: JsonValue;
  readonly json?: string;
}

interface Entry {
  held: Held;
  readonly bytes: number;
  readonly checkedMaxBytes: number | null;
}

/**
 * Parsed stored documents by blob id, shared by every request: a blob never changes, and diffs of nearby versions (a
 * frontend paging through history, a feed replay, the checks of a write and its change event) parse the same
 * documents again and again. Bounded by the size of the texts behind the values, not their number, so a few 1 MiB
 * documents cannot hold gigabytes; the least recently used go first.
 */
export class ParsedDocumentCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  /**
   * The value parsed from this blob. With `checkedMaxBytes`, only one that passed the checks of a document being
   * written under that size limit: a stored document may have come from outside Cairn, over the limits.
   */
  get(path: string, blob: string, checkedMaxBytes: number | null = null): JsonValue | undefined {
    const entry = this.entry(path, blob, checkedMaxBytes);
    return entry === undefined ? undefined : valueOf(entry);
  }

  /** The value with the length of the text it was parsed from. */
  getSized(path: string, blob: string): { readonly value: JsonValue; readonly bytes: number } | undefined {
    const entry = this.entry(path, blob, null);
    return entry === undefined ? undefined : { value: valueOf(entry), bytes: entry.bytes };
  }

  /** The JSON text a worker wrote for this blob (with the length of the text behind it), if it was parsed on one. */
  getJson(path: string, blob: string): { readonly json: string; readonly bytes: number } | undefined {
    const entry = this.entry(path, blob, null);
    return entry?.held.json === undefined ? undefined : { json: entry.held.json, bytes: entry.bytes };
  }

  /** Whether the value of this blob was built (a read served from the JSON text alone builds none). */
  holdsValue(path: string, blob: string): boolean {
    const held = this.entries.get(keyOf(path, blob))?.held;
    return held !== undefined && 'value' in held;
  }

  /** Whether this blob was parsed (and checked under `checkedMaxBytes`), without building its value. */
  has(path: string, blob: string, checkedMaxBytes: number | null = null): boolean {
    return this.entry(path, blob, checkedMaxBytes) !== undefined;
  }

  set(path: string, blob: string, form: ParsedForm, bytes: number, checkedMaxBytes: number | null = null): void {
    if (bytes > MAX_TEXT_BYTES / 4) return;
    const key = keyOf(path, blob);
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { held: { ...form }, bytes, checkedMaxBytes: checkedMaxBytes ?? old?.checkedMaxBytes ?? null });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= MAX_TEXT_BYTES) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  private entry(path: string, blob: string, checkedMaxBytes: number | null): Entry | undefined {
    const key = keyOf(path, blob);
    const entry = this.entries.get(key);
    if (!entry || (checkedMaxBytes !== null && entry.checkedMaxBytes !== checkedMaxBytes)) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }
}

/** The entry's value, built from a worker's JSON text the first time it is asked for (the text stays: see getJson). */
function valueOf(entry: Entry): JsonValue {
  if (!('value' in entry.held)) entry.held.value = JSON.parse(entry.held.json ?? 'null') as JsonValue;
  return entry.held.value ?? null;
}

/** The same blob under a .json and a .yaml name parses differently: the format is part of the key. */
function keyOf(path: string, blob: string): string {
  return `${path.endsWith('.json') ? 'json' : 'yaml'}:${blob}`;
}
