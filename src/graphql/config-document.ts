import { type DocumentView, lastChange } from '../services/documents.js';
import { readSerializable, readText, readValue } from '../services/document-content.js';
import { listVersions } from '../services/history.js';
import type { JsonValue } from '../domain/json-value.js';
import { SEALED_PREFIX } from '../domain/secret-marker.js';
import { SerializedJson } from '../domain/serialized-json.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { FormatEnum } from './diff.js';
import { VersionRef } from './version-ref.js';

/**
 * Over HTTP, a document parsed on a worker is written into the response from its JSON text (response-splices.ts).
 * Secret values are decrypted or redacted for this reader (secret-reveal.ts); a document holding none is served as is.
 */
async function contentOf(ctx: GraphQLContext, d: DocumentView): Promise<unknown> {
  const plaintext = ctx.cairn.secrets.mayRead(ctx.actor, d.namespace.name);
  if (!ctx.splices?.enabled) return ctx.cairn.secrets.value(d.path, await readValue(ctx.blobs, d), plaintext);
  const serializable = await readSerializable(ctx.blobs, d);
  if (serializable instanceof SerializedJson && !serializable.json.includes(SEALED_PREFIX)) return ctx.splices.embed(serializable);
  const value = serializable instanceof SerializedJson ? (JSON.parse(serializable.json) as JsonValue) : serializable;
  return ctx.cairn.secrets.value(d.path, value, plaintext);
}

function textOf(ctx: GraphQLContext, d: DocumentView): Promise<string> {
  const plaintext = ctx.cairn.secrets.mayRead(ctx.actor, d.namespace.name);
  return readText(ctx.blobs, d).then((text) => ctx.cairn.secrets.text(d.path, text, () => readValue(ctx.blobs, d), plaintext));
}

export const ConfigDocumentRef = builder.objectRef<DocumentView>('ConfigDocument').implement({
  description: 'A configuration document as stored at one version.',
  fields: (t) => ({
    path: t.exposeString('path'),
    format: t.field({ type: FormatEnum, resolve: (d) => d.format }),
    blob: t.string({ description: 'The Git blob id of the content.', resolve: (d) => d.blob }),
    text: t.string({
      description: 'The stored text, byte for byte, except secret values: decrypted with the secrets permission, else "[secret]".',
      resolve: (d, _a, ctx) => textOf(ctx, d),
    }),
    content: t.field({
      type: 'JSON',
      description: 'The parsed document; secret values decrypted with the secrets permission, else "[secret]".',
      resolve: (d, _a, ctx) => contentOf(ctx, d),
    }),
    at: t.field({ type: VersionRef, description: 'The version this document was read at.', resolve: (d) => d.at }),
    version: t.field({
      type: VersionRef,
      description: 'The version that last changed this document, at or before `at`.',
      resolve: (d) => lastChange(d),
    }),
    history: t.connection({
      type: VersionRef,
      description: 'Versions that changed this document, newest first.',
      resolve: (d, args) => listVersions(d.namespace, { ...args, path: d.path }),
    }),
  }),
});
