import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../domain/json-value.js';
import { SerializedJson } from '../domain/serialized-json.js';

/** Unknown outside this process: a document's own strings cannot be mistaken for a placeholder. */
const NONCE = randomBytes(12).toString('base64url');
/** A placeholder as JSON.stringify writes it (the NUL is escaped): the operation's splices, then the text. */
const WRITTEN_PLACEHOLDER = new RegExp(`"\\\\u0000${NONCE}:(\\d+):(\\d+)"`, 'g');

/** What a resolver returns for a SerializedJson: JSON.stringify writes it as a placeholder string (toJSON). */
interface Placeholder {
  toJSON(): string;
}

let operations = 0;

/**
 * JSON texts a response writes verbatim where a value would be serialized: a large document's parsed content comes
 * as the JSON text its worker wrote (SerializedJson), and rebuilding and serializing the value cost more than the
 * rest of the request. Only for a result this request's HTTP response writes (a query or mutation, see
 * useResponseSplices); elsewhere (WebSocket, subscriptions) values are built as usual. One per operation: a batch's
 * operations are written into one response, each placeholder naming its operation.
 */
export class ResponseSplices {
  private readonly id = operations++;
  private readonly texts: string[] = [];
  /** Set once the operation is known to be answered by its HTTP response. */
  enabled = false;

  /** `content` as a resolver answers it: a placeholder for its JSON text when it is one, else the value. */
  embed(content: JsonValue | SerializedJson): JsonValue | Placeholder {
    if (!(content instanceof SerializedJson)) return content;
    if (!this.enabled) return JSON.parse(content.json) as JsonValue;
    const placeholder = `\u0000${NONCE}:${this.id}:${this.texts.push(content.json) - 1}`;
    return { toJSON: () => placeholder };
  }

  get used(): boolean {
    return this.texts.length > 0;
  }

  /**
   * The response body: `written` (the results as yoga serialized them, placeholders and all) as UTF-8, each
   * placeholder replaced by its JSON text. Built as bytes: replacing into a string of a megabyte and encoding it
   * for the socket took a dozen milliseconds of the event loop per read.
   */
  static body(written: string, operations: readonly ResponseSplices[]): Uint8Array<ArrayBuffer> {
    const byId = new Map(operations.map((o) => [o.id, o]));
    const parts: Buffer[] = [];
    let from = 0;
    for (const match of written.matchAll(WRITTEN_PLACEHOLDER)) {
      parts.push(Buffer.from(written.slice(from, match.index), 'utf8'));
      parts.push(utf8(byId.get(Number(match[1]))?.texts[Number(match[2])] ?? 'null'));
      from = match.index + match[0].length;
    }
    parts.push(Buffer.from(written.slice(from), 'utf8'));
    const body = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      body.set(part, offset);
      offset += part.length;
    }
    return body;
  }
}

/**
 * A text's UTF-8 bytes: a copy when every character is ASCII (its UTF-8 is as long as it is), which a document's
 * JSON mostly is; measuring is a fraction of encoding.
 */
function utf8(text: string): Buffer {
  return Buffer.byteLength(text, 'utf8') === text.length ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
}
