import type { JsonValue } from '../domain/json-value.js';
import type { BlobSource } from './blob-source.js';
import { SerializedJson } from '../domain/serialized-json.js';
import { cachedDocumentJson, cachedDocumentSized, parseStoredSerialized, parseStoredText } from './document-parser.js';
import type { NamespaceReader } from './namespace-reader.js';

export interface StoredDocument {
  readonly namespace: NamespaceReader;
  readonly path: string;
  readonly blob: string;
}

export function readText(blobs: BlobSource, doc: StoredDocument): Promise<string> {
  return blobs.text(doc.namespace, doc.blob);
}

/**
 * Parses what is stored; a document committed from outside Cairn may be invalid, which is an InvalidDocumentError.
 * `asRead`: charged as its read would be, once per request (a diff's side), rather than once per value served.
 */
export async function readValue(blobs: BlobSource, doc: StoredDocument, asRead = false): Promise<JsonValue> {
  // A value parsed before needs no text: reading and decoding 1 MiB again was most of a cached read's time. The
  // request's budget is charged all the same: serving the value costs per byte too.
  const cached = cachedDocumentSized(doc.path, doc.blob);
  if (cached === undefined) return parseStoredText(doc.path, await readText(blobs, doc), doc.blob);
  if (asRead) blobs.chargeAsRead(doc.namespace, doc.blob, cached.bytes);
  else blobs.spend(cached.bytes);
  return cached.value;
}

/**
 * `readValue` for a reader that only writes the value out (a response): a document parsed on a worker comes as the
 * JSON text the worker wrote, so its value is neither built nor serialized again.
 */
export async function readSerializable(blobs: BlobSource, doc: StoredDocument): Promise<JsonValue | SerializedJson> {
  const cached = cachedDocumentJson(doc.path, doc.blob);
  if (cached !== undefined) {
    blobs.spend(cached.bytes);
    return new SerializedJson(cached.json);
  }
  const sized = cachedDocumentSized(doc.path, doc.blob);
  if (sized !== undefined) {
    blobs.spend(sized.bytes);
    return sized.value;
  }
  return parseStoredSerialized(doc.path, await readText(blobs, doc), doc.blob);
}
