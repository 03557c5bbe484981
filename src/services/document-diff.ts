import { parseStoredDocument } from '../domain/document-codec.js';
import { type DocumentFormat, documentFormatOf } from '../domain/document-path.js';
import { type JsonPatchOperation, createJsonPatch } from '../domain/json-patch.js';
import type { JsonValue } from '../domain/json-value.js';
import { unifiedDiff } from '../domain/text-diff.js';
import { type ValueChange, diffValues } from '../domain/value-diff.js';
import type { PathStatus } from '../git/tree-diff.js';

export type LazyText = () => Promise<string>;

/**
 * How one document differs between two versions (or between the head and a preview). Each representation is
 * computed on first use, so a query that asks only for statuses reads no blob.
 */
export class DocumentDiff {
  readonly format: DocumentFormat;
  private texts?: Promise<[string | null, string | null]>;

  constructor(
    readonly path: string,
    readonly status: PathStatus,
    private readonly before: LazyText | null,
    private readonly after: LazyText | null,
  ) {
    this.format = documentFormatOf(path) ?? 'json';
  }

  async oldText(): Promise<string | null> {
    return (await this.bothTexts())[0];
  }

  async newText(): Promise<string | null> {
    return (await this.bothTexts())[1];
  }

  async oldValue(): Promise<JsonValue | undefined> {
    return this.parse(await this.oldText());
  }

  async newValue(): Promise<JsonValue | undefined> {
    return this.parse(await this.newText());
  }

  async changes(): Promise<ValueChange[]> {
    return diffValues(await this.oldValue(), await this.newValue());
  }

  async patch(): Promise<JsonPatchOperation[]> {
    return createJsonPatch(await this.oldValue(), await this.newValue());
  }

  async unified(): Promise<string> {
    const [before, after] = await this.bothTexts();
    return unifiedDiff(this.path, before, after);
  }

  private bothTexts(): Promise<[string | null, string | null]> {
    this.texts ??= Promise.all([this.before ? this.before() : null, this.after ? this.after() : null]);
    return this.texts;
  }

  /** Stored documents were validated on the way in; one committed from outside may not parse and then has no values. */
  private parse(text: string | null): JsonValue | undefined {
    if (text === null) return undefined;
    try {
      return parseStoredDocument(this.path, text);
    } catch {
      return undefined;
    }
  }
}
