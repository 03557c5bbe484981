import { createHash } from 'node:crypto';
import { parseStoredDocument, serializeDocument } from '../domain/document-codec.js';
import { documentFormatOf } from '../domain/document-path.js';
import type { EtcdDrift } from '../domain/etcd-drift.js';
import { InvalidInputError } from '../domain/errors.js';
import { applyJsonPatch, createJsonPatch } from '../domain/json-patch.js';
import { deepEqual, type JsonValue } from '../domain/json-value.js';
import { parseOverlay } from '../domain/overlay-patch.js';
import { overlayPathOf } from '../domain/overlay-path.js';
import { diffValues } from '../domain/value-diff.js';
import { editYamlText } from '../domain/yaml-edit.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import type { BaseDocuments } from './base-documents.js';
import { parseNewDocument, parseStoredText } from './document-parser.js';
import type { PublishedDocument } from './etcd-contents.js';
import type { WriteOutcome, WritePipeline } from './write-pipeline.js';
import type { WritePlan } from './write-request.js';

/**
 * Captures an edit made directly in etcd as a commit to main (CAIRN_ETCD_DRIFT=capture), through the write pipeline
 * like any other commit: action `capture`, made by the operator CAIRN_ETCD_OPERATOR names, the key and the edit's
 * etcd revision in trailers, and every check of main applied (schemas, overlays, approval rules: a capture they refuse
 * is reported, not forced). What is committed is the edit itself, not etcd's whole value: the RFC 6902 patch from the
 * released value to the value found, applied to main's head, so changes made on main since the release stay.
 *
 * - a key of `_` (the base): the patch applied to the base document (YAML comments kept); a deleted key deletes the
 *   document; a key added under `_` creates it;
 * - a key of a cluster: the patch appended to that cluster's overlay (`<stem>.overlays/<cluster>.patch.json`), so the
 *   cluster's effective document becomes the value found. An overlay cannot delete or add a document: a deleted or
 *   added key of a cluster is refused (restore it, or change the base).
 *
 * Its request id is derived from the environment, the key and the revision, so a capture tried again (after a
 * restart, or by another replica watching the same etcd) replays the first instead of committing twice.
 */
export class EtcdCapture {
  constructor(
    private readonly pipeline: WritePipeline,
    /** CAIRN_ETCD_OPERATOR, an admin of every namespace as the rollout driver is: captures are Cairn's own writes. */
    private readonly actor: Actor,
    private readonly maxDocumentBytes: number,
  ) {}

  capture(drift: EtcdDrift, released: PublishedDocument | undefined): Promise<WriteOutcome> {
    const { namespace, environment, key, path, cluster, revision, foundValue } = drift;
    if (path === null) throw new InvalidInputError(`${key} names no document: only document keys are captured`);
    const requestId = `etcd-capture:${environment}:${revision}:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
    const options = {
      namespace,
      // Checked against the head inside the write lock: the capture is a patch computed from that head, never a lost update.
      expectedVersion: 'HEAD',
      comment: `capture etcd edit of ${key} (${foundValue === null ? 'deleted' : 'changed'} at revision ${revision}) in ${environment}`,
      requestId,
    };
    const request = { operation: 'captureEtcd', payload: [environment, key, revision, foundValue] };
    return this.pipeline.run(this.actor, options, request, async (repo, head, documents) => {
      const files =
        cluster === null
          ? await this.baseChange(repo, documents, path, released, foundValue)
          : await this.overlayChange(repo, head?.oid ?? null, path, cluster, released, foundValue);
      return { action: 'capture', files, capture: { key, revision } } satisfies WritePlan;
    });
  }

  private async baseChange(
    repo: GitRepository,
    documents: BaseDocuments,
    path: string,
    released: PublishedDocument | undefined,
    found: string | null,
  ): Promise<Map<string, string | null>> {
    const blob = await documents.blobOf(path);
    if (found === null) return new Map(blob === null ? [] : [[path, null]]);
    const value = await parseNewDocument(path, found, this.maxDocumentBytes, null);
    if (blob === null) {
      if (released) throw new InvalidInputError(`${path} was deleted on main since it was released: the edit in etcd is not captured`);
      return new Map([[path, found]]);
    }
    const text = await repo.readText(blob);
    const head = await parseStoredText(path, text, blob);
    const next = released ? applyJsonPatch(head, createJsonPatch(released.content, value)) : value;
    if (deepEqual(head, next)) return new Map();
    return new Map([[path, editedText(path, text, head, next)]]);
  }

  private async overlayChange(
    repo: GitRepository,
    head: string | null,
    path: string,
    cluster: string,
    released: PublishedDocument | undefined,
    found: string | null,
  ): Promise<Map<string, string | null>> {
    if (found === null || !released) {
      throw new InvalidInputError(
        `${cluster}'s overlay cannot ${found === null ? 'delete' : 'add'} ${path}: restore the key, or change the base document (key _/${path})`,
      );
    }
    const patch = createJsonPatch(released.content, await parseNewDocument(path, found, this.maxDocumentBytes, null));
    if (patch.length === 0) return new Map();
    const overlayPath = overlayPathOf(path, cluster);
    const blob = head === null ? null : await repo.blobAt(head, overlayPath);
    const existing = blob === null ? [] : parseOverlay(overlayPath, await repo.readText(blob));
    return new Map([[overlayPath, serializeDocument('json', [...existing, ...patch] as unknown as JsonValue)]]);
  }
}

/** The document's new text: YAML edited in place (comments and layout kept) when that yields the value, else serialized. */
function editedText(path: string, text: string, before: JsonValue, after: JsonValue): string {
  const format = documentFormatOf(path) ?? 'json';
  if (format === 'yaml') {
    const edited = editYamlText(text, diffValues(before, after));
    // Anchors and merge keys can make one edit show up in several places: the edit is kept only if it says exactly `after`.
    if (edited !== null && yamlSays(path, edited, after)) return edited;
  }
  return serializeDocument(format, after);
}

function yamlSays(path: string, text: string, value: JsonValue): boolean {
  try {
    // editYamlText parsed this document on the event loop already: reading its result back costs as much again.
    return deepEqual(parseStoredDocument(path, text), value);
  } catch {
    return false;
  }
}
