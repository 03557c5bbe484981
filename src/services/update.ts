import type { CommitAction } from '../domain/commit-message.js';
import { serializeOffLoop } from './document-parser.js';
import { documentFormatOf, validateDocumentPath } from '../domain/document-path.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { JsonValue } from '../domain/json-value.js';
import type { Actor } from './actor.js';
import type { BaseDocuments } from './base-documents.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import { type WriteOptions, type WritePlan, writeInputs } from './write-request.js';

/** One document to write: raw `text` (kept byte for byte, YAML comments included), or a `content` value, or a deletion. */
export interface DocumentWrite {
  readonly path: string;
  readonly text?: string | null;
  readonly content?: JsonValue | undefined;
  readonly delete?: boolean | null;
}

export const MAX_DOCUMENTS_PER_WRITE = 1000;

/** putConfig, applyChanges and deleteConfig: several documents, one commit. */
export class UpdateService {
  constructor(private readonly pipeline: WritePipeline) {}

  async apply(actor: Actor, options: WriteOptions, writes: readonly DocumentWrite[]): Promise<WriteOutcome> {
    const files = await prepare(writes);
    const request = { operation: 'update', payload: [...writeInputs(options), [...files].sort(([a], [b]) => (a < b ? -1 : 1))] };
    return this.pipeline.run(actor, options, request, (_repo, _head, documents) => planUpdate(documents, files));
  }
}

export async function prepare(writes: readonly DocumentWrite[]): Promise<Map<string, string | null>> {
  if (writes.length === 0) throw new InvalidInputError('no documents to write');
  if (writes.length > MAX_DOCUMENTS_PER_WRITE) throw new InvalidInputError(`at most ${MAX_DOCUMENTS_PER_WRITE} documents per write`);
  const files = new Map<string, string | null>();
  for (const write of writes) {
    const path = validateDocumentPath(write.path);
    if (files.has(path)) throw new InvalidInputError(`'${path}' appears twice in one write`);
    files.set(path, await textOf(path, write));
  }
  return files;
}

async function textOf(path: string, write: DocumentWrite): Promise<string | null> {
  const given = [write.text !== undefined && write.text !== null, write.content !== undefined, write.delete === true].filter(Boolean).length;
  if (given !== 1) throw new InvalidInputError(`'${path}': give exactly one of text, content or delete`);
  if (write.delete) return null;
  if (write.text !== undefined && write.text !== null) return write.text;
  return serializeOffLoop(documentFormatOf(path) ?? 'json', write.content ?? null);
}

/** Deleting a document that does not exist is NotFound; the action says whether the write creates, deletes or updates. */
export async function planUpdate(documents: BaseDocuments, files: ReadonlyMap<string, string | null>): Promise<WritePlan> {
  let creates = 0;
  let deletes = 0;
  for (const [path, text] of files) {
    const exists = await documents.exists(path);
    if (text === null && !exists) throw new NotFoundError('document', path);
    if (text === null) deletes += 1;
    else if (!exists) creates += 1;
  }
  const action: CommitAction = deletes === files.size ? 'delete' : creates === files.size ? 'create' : 'update';
  return { action, files };
}
