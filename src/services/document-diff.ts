import { type DocumentFormat, documentFormatOf } from '../domain/document-path.js';
import { type JsonPatchOperation, createJsonPatch } from '../domain/json-patch.js';
import type { JsonValue } from '../domain/json-value.js';
import { type ValueChange, ValueDiffWalk } from '../domain/value-diff.js';
import type { PathStatus } from '../git/tree-diff.js';
import { InvalidDocumentError } from '../domain/errors.js';
import { parseStoredText, patchOf, unifiedDiffOf } from './document-parser.js';
import { giveWay } from './event-loop-turn.js';

/** Values compared between two checks of the time (giveWay yields only once its slice is used up). */
const DIFF_STEP = 2_000;

export type LazyText = () => Promise<string>;

/** One side of a diff: its text, read on demand, and its blob id when it is stored (the key of parsed values). */
export interface DiffSide {
  readonly text: LazyText;
  readonly blob: string | null;
  /**
   * Its value, for a stored side: taken from the parsed documents without reading the text when it was parsed before.
   * A diff of versions far apart compares thousands of documents; reading and decoding each blob again only to find
   * its value cached was a third of what such a diff allocated.
   */
  readonly value?: () => Promise<JsonValue>;
}

/**
 * How one document differs between two versions (or between the head and a preview). Each representation is
 * computed on first use, so a query that asks only for statuses reads no blob.
 */
export class DocumentDiff {
  readonly format: DocumentFormat;
  private texts?: Promise<[string | null, string | null]>;
  /** Each side's value, asked once: changes, patch and content share it (and the request's budget is charged once). */
  private readonly values = new Map<DiffSide, Promise<JsonValue | undefined>>();

  constructor(
    readonly path: string,
    readonly status: PathStatus,
    private readonly before: DiffSide | null,
    private readonly after: DiffSide | null,
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
    return this.valueOf(this.before, () => this.oldText());
  }

  async newValue(): Promise<JsonValue | undefined> {
    return this.valueOf(this.after, () => this.newText());
  }

  /** Two large versions hold a hundred thousand values: compared in steps, giving other requests their turns. */
  async changes(): Promise<ValueChange[]> {
    const walk = new ValueDiffWalk(await this.oldValue(), await this.newValue());
    while (!walk.step(DIFF_STEP)) await giveWay();
    return walk.changes;
  }

  /** Large versions are compared on a worker thread: rfc6902's walk cannot be split into turns. */
  async patch(): Promise<JsonPatchOperation[]> {
    const [before, after] = await this.bothTexts();
    return patchOf({ path: this.path, before, after }, async () => createJsonPatch(await this.oldValue(), await this.newValue()));
  }

  async unified(): Promise<string> {
    const [before, after] = await this.bothTexts();
    return unifiedDiffOf(this.path, before, after);
  }

  private bothTexts(): Promise<[string | null, string | null]> {
    this.texts ??= Promise.all([this.before ? this.before.text() : null, this.after ? this.after.text() : null]);
    return this.texts;
  }

  /** Stored documents were validated on the way in; one committed from outside may not parse and then has no values. */
  private valueOf(side: DiffSide | null, text: () => Promise<string | null>): Promise<JsonValue | undefined> {
    if (!side) return Promise.resolve(undefined);
    let value = this.values.get(side);
    if (!value) this.values.set(side, (value = this.parse(side, text)));
    return value;
  }

  private async parse(side: DiffSide, text: () => Promise<string | null>): Promise<JsonValue | undefined> {
    try {
      if (side.value) return await side.value();
      const source = await text();
      if (source === null) return undefined;
      return await parseStoredText(this.path, source, side.blob);
    } catch (error) {
      if (error instanceof InvalidDocumentError) return undefined;
      throw error;
    }
  }
}
