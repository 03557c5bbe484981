import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../domain/json-value.js';
import { SerializedJson } from '../domain/serialized-json.js';

/** Unknown outside this process: a document's own strings cannot be mistaken for a placeholder. */
const NONCE = randomBytes(12).toString('base64url');
/** A placeholder as JSON.stringify writes it: the NUL is escaped. */
const WRITTEN_PLACEHOLDER = new RegExp(`"\\\\u0000${NONCE}:(\\d+)"`, 'g');

/** What a resolver returns for a SerializedJson: JSON.stringify writes it as a placeholder string (toJSON). */
interface Placeholder {
  toJSON(): string;
}

/**
 * JSON texts a response writes verbatim where a value would be serialized: a large document's parsed content comes
 * as the JSON text its worker wrote (SerializedJson), and rebuilding and serializing the value cost more than the
 * rest of the request. Only for a result this request's response writes with `write` (a query or mutation over
 * HTTP, see useResponseSplices); elsewhere (WebSocket, subscriptions) values are built as usual.
 */
export class ResponseSplices {
  private readonly texts: string[] = [];
  /** Set once the operation is known to be answered by `write`. */
  enabled = false;

  /** `content` as a resolver answers it: a placeholder for its JSON text when it is one, else the value. */
  embed(content: JsonValue | SerializedJson): JsonValue | Placeholder {
    if (!(content instanceof SerializedJson)) return content;
    if (!this.enabled) return JSON.parse(content.json) as JsonValue;
    const placeholder = `\u0000${NONCE}:${this.texts.push(content.json) - 1}`;
    return { toJSON: () => placeholder };
  }

  get used(): boolean {
    return this.texts.length > 0;
  }

  /** The result serialized by `stringify`, each placeholder replaced by its JSON text. */
  write(result: unknown, stringify: (result: unknown) => string): string {
    return stringify(result).replace(WRITTEN_PLACEHOLDER, (_, index: string) => this.texts[Number(index)] ?? 'null');
  }
}
