import { isDocumentPath } from '../domain/document-path.js';
import { getAtPointer } from '../domain/json-pointer.js';
import type { JsonValue } from '../domain/json-value.js';
import { REDACTED } from '../domain/secret-marker.js';
import { type DocumentValidator, compileSchema } from '../domain/schema-compiler.js';
import {
  SCHEMAS_DIR,
  SCHEMA_INDEX_PATH,
  type SchemaMapping,
  isSchemaFile,
  isValidatedDocument,
  parseSchemaMapping,
  schemasFor,
} from '../domain/schema-mapping.js';
import { type SchemaViolation, SchemaViolationError, violationsOf } from '../domain/schema-violation.js';
import { LruCache } from '../git/lru-cache.js';
import { parseStoredText } from './document-parser.js';
import type { SecretReveal } from './secret-reveal.js';
import { giveWay } from './event-loop-turn.js';
import type { PendingWrite, WriteCheck } from './write-check.js';

/** Compiled schemas kept per process; a schema blob never changes, so neither does what it compiles to. */
const COMPILED_SCHEMAS = 512;

/**
 * Validates the documents a write leaves behind against the JSON Schemas of the tree it leaves behind
 * (`.cairn/schemas/`, mapped by `.cairn/schemas/index.json`), so a schema and the documents it covers can change
 * together. A changed document is validated against its schemas; a changed schema (or index) first validates every
 * existing document it covers. Violations refuse the write, all of them at once; a preview carries them instead.
 */
export class SchemaCheck implements WriteCheck {
  private readonly compiled = new LruCache<string, DocumentValidator>(COMPILED_SCHEMAS);

  /**
   * `compile` is the schema compiler; a test passes a counting wrapper around the real one. `secrets` decrypts
   * secret values before validation: a schema describes the configuration as it is served, not its stored form
   * (violations name pointers and schema keywords, never values).
   */
  constructor(
    private readonly compile: typeof compileSchema = compileSchema,
    private readonly secrets: SecretReveal | null = null,
  ) {}

  async check(write: PendingWrite): Promise<void> {
    const tree = new ResultingTree(write);
    const changedSchemas = [...write.files].filter(([path, text]) => isSchemaFile(path) && path !== SCHEMA_INDEX_PATH && text !== null).map(([path]) => path);
    // A schema file is refused when it is not a valid JSON Schema, mapped or not: it may be mapped later.
    for (const path of changedSchemas) await this.validator(tree, path);
    const indexText = await tree.text(SCHEMA_INDEX_PATH);
    if (indexText === null) return;
    const files = new Set(await tree.paths(SCHEMAS_DIR));
    const mapping = parseSchemaMapping(await parseStoredText(SCHEMA_INDEX_PATH, indexText, tree.blobOid(indexText)), (path) => files.has(path));
    const violations: SchemaViolation[] = [];
    for (const path of await this.targets(write, tree, mapping, changedSchemas)) {
      const text = await tree.text(path);
      if (text === null) continue;
      const stored = await parseStoredText(path, text, tree.blobOid(text));
      // A writer without the secrets permission is checked against what it may read: with the plaintext, a schema
      // it writes (a pattern, an if/then) would answer whether a guess is the secret.
      const plaintext = this.secrets ? this.secrets.mayRead(write.actor, write.repo.name) : true;
      const value = this.secrets ? await this.secrets.value(path, stored, plaintext) : stored;
      for (const schema of schemasFor(mapping, path)) {
        const found = violationsOf(path, schema, (await this.validator(tree, schema))(value));
        violations.push(...(plaintext ? found : found.filter((v) => !atRedactedValue(value, v.pointer))));
      }
      // A changed schema revalidates every document it covers: thousands, for a broad one.
      await giveWay();
    }
    if (violations.length > 0) write.report(new SchemaViolationError(violations));
  }

  /** The documents to validate, sorted: those the write changes, and those a changed schema or index covers. */
  private async targets(write: PendingWrite, tree: ResultingTree, mapping: SchemaMapping, changedSchemas: readonly string[]): Promise<string[]> {
    const covered = (path: string): boolean => schemasFor(mapping, path).length > 0;
    const targets = new Set([...write.files].filter(([path, text]) => text !== null && isValidatedDocument(path) && covered(path)).map(([path]) => path));
    const indexChanged = write.files.has(SCHEMA_INDEX_PATH);
    if (indexChanged || changedSchemas.length > 0) {
      const changed = new Set(changedSchemas);
      for (const path of await tree.paths('')) {
        if (!isDocumentPath(path) || !isValidatedDocument(path)) continue;
        if (indexChanged ? covered(path) : schemasFor(mapping, path).some((s) => changed.has(s))) targets.add(path);
      }
    }
    return [...targets].sort();
  }

  /** Compiled once per schema blob, whatever its path: the same schema copied elsewhere compiles to the same thing. */
  private async validator(tree: ResultingTree, schemaPath: string): Promise<DocumentValidator> {
    const text = (await tree.text(schemaPath)) ?? '';
    const key = tree.blobOid(text);
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const compiled = this.compile(schemaPath, await parseStoredText(schemaPath, text, key));
    this.compiled.set(key, compiled);
    return compiled;
  }
}

/** The tree the write would commit: the head's, with the write's files put or deleted. */
class ResultingTree {
  constructor(private readonly write: PendingWrite) {}

  async text(path: string): Promise<string | null> {
    const pending = this.write.files.get(path);
    if (pending !== undefined) return pending;
    const { repo, head } = this.write;
    const blob = head ? await repo.blobAt(head.oid, path) : null;
    return blob ? await repo.readText(blob) : null;
  }

  /** Every file path under `prefix` ('' = all). */
  async paths(prefix: string): Promise<string[]> {
    const { repo, head } = this.write;
    const paths = new Set(head ? (await repo.filesIn(head.tree, prefix)).map((b) => b.path) : []);
    for (const [path, text] of this.write.files) {
      if (!path.startsWith(prefix)) continue;
      if (text === null) paths.delete(path);
      else paths.add(path);
    }
    return [...paths].sort();
  }

  blobOid(text: string): string {
    return this.write.repo.blobId(text);
  }
}

/** Whether `pointer` names a redacted secret of `value` (its own type or pattern is not the writer's to see). */
function atRedactedValue(value: JsonValue, pointer: string): boolean {
  return getAtPointer(value, pointer) === REDACTED;
}
