import { type DocumentView, lastChange } from '../services/documents.js';
import { readSerializable, readText, readValue } from '../services/document-content.js';
import { listVersions } from '../services/history.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { FormatEnum } from './diff.js';
import { VersionRef } from './version-ref.js';

/** Over HTTP, a document parsed on a worker is written into the response from its JSON text (response-splices.ts). */
async function contentOf(ctx: GraphQLContext, d: DocumentView): Promise<unknown> {
  if (!ctx.splices?.enabled) return readValue(ctx.blobs, d);
  return ctx.splices.embed(await readSerializable(ctx.blobs, d));
}

export const ConfigDocumentRef = builder.objectRef<DocumentView>('ConfigDocument').implement({
  description: 'A configuration document as stored at one version.',
  fields: (t) => ({
    path: t.exposeString('path'),
    format: t.field({ type: FormatEnum, resolve: (d) => d.format }),
    blob: t.string({ description: 'The Git blob id of the content.', resolve: (d) => d.blob }),
    text: t.string({ description: 'The stored text, byte for byte.', resolve: (d, _a, ctx) => readText(ctx.blobs, d) }),
    content: t.field({ type: 'JSON', description: 'The parsed document.', resolve: (d, _a, ctx) => contentOf(ctx, d) }),
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
