import type { DocumentView } from '../services/documents.js';
import { readText, readValue } from '../services/document-content.js';
import { listVersions } from '../services/history.js';
import { viewOf } from '../services/version-view.js';
import { builder } from './builder.js';
import { FormatEnum } from './diff.js';
import { VersionRef } from './version.js';

export const ConfigDocumentRef = builder.objectRef<DocumentView>('ConfigDocument').implement({
  description: 'A configuration document as stored at one version.',
  fields: (t) => ({
    path: t.exposeString('path'),
    format: t.field({ type: FormatEnum, resolve: (d) => d.format }),
    blob: t.string({ description: 'The Git blob id of the content.', resolve: (d) => d.blob }),
    text: t.string({ description: 'The stored text, byte for byte.', resolve: (d, _a, ctx) => readText(ctx.blobs, d) }),
    content: t.field({ type: 'JSON', description: 'The parsed document.', resolve: (d, _a, ctx) => readValue(ctx.blobs, d) }),
    at: t.field({ type: VersionRef, description: 'The version this document was read at.', resolve: (d) => d.at }),
    version: t.field({
      type: VersionRef,
      description: 'The version that last changed this document, at or before `at`.',
      resolve: (d) => {
        const last = d.at.commit.seq >= 0 ? d.repo.index.lastChangeOf(d.path, d.at.commit.seq) : undefined;
        return last ? viewOf(d.repo, last) : d.at;
      },
    }),
    history: t.connection({
      type: VersionRef,
      description: 'Versions that changed this document, newest first.',
      resolve: (d, args) => listVersions(d.repo, { ...args, path: d.path }),
    }),
  }),
});
