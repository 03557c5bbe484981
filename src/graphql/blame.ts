import { InvalidDocumentError } from '../domain/errors.js';
import { redactSealed } from '../domain/secret-redaction.js';
import type { BlameEntry, BlameView } from '../services/blame.js';
import { builder } from './builder.js';
import { ConfigDocumentRef } from './config-document.js';
import { READ_ERRORS } from './errors.js';
import { AS_OF_DOC, NamespaceRef } from './namespace.js';
import { CommitActionEnum, PersonRef } from './version.js';
import { VersionRef } from './version-ref.js';

const BlameEntryRef = builder.objectRef<BlameEntry>('BlameEntry').implement({
  description: 'A leaf value (scalar, or empty object or array) and the version that last set it.',
  fields: (t) => ({
    pointer: t.exposeString('pointer', { description: 'RFC 6901 JSON pointer.' }),
    value: t.field({ type: 'JSON', description: 'A secret value is "[secret]", for every reader.', resolve: (e) => redactSealed(e.value) }),
    version: t.field({ type: VersionRef, resolve: (e) => e.version }),
    operator: t.field({ type: PersonRef, resolve: (e) => e.version.commit.author }),
    time: t.field({ type: 'DateTime', resolve: (e) => new Date(e.version.commit.committer.timestamp * 1000) }),
    comment: t.string({ resolve: (e) => e.version.commit.comment }),
    action: t.field({ type: CommitActionEnum, nullable: true, resolve: (e) => e.version.commit.trailers?.action ?? null }),
  }),
});

const BlameRef = builder.objectRef<BlameView>('Blame').implement({
  description: 'Who last set each value of a document, at one version.',
  fields: (t) => ({
    path: t.exposeString('path'),
    pointer: t.exposeString('pointer', { description: 'The subtree blamed ("" for the whole document).' }),
    at: t.field({ type: VersionRef, resolve: (b) => b.at }),
    entries: t.field({ type: [BlameEntryRef], description: 'One per leaf value, in document order.', resolve: (b) => [...b.entries] }),
  }),
});

/** A document committed from outside Cairn may not parse. */
const BLAME_ERRORS = [...READ_ERRORS, InvalidDocumentError];

const pointerDoc = 'Only the values under this JSON pointer; the whole document when absent.';

builder.objectField(NamespaceRef, 'blame', (t) =>
  t.field({
    type: BlameRef,
    description: 'For each value of a document at a version (default head), the version, operator, time and comment that last set it.',
    args: {
      path: t.arg.string({ required: true }),
      pointer: t.arg.string({ required: false, description: pointerDoc }),
      at: t.arg.string({ required: false, description: 'A version of main (hash, short hash, tag, HEAD~N, @{time}); default head.' }),
      asOf: t.arg({ type: 'DateTime', required: false, description: AS_OF_DOC }),
    },
    errors: { types: BLAME_ERRORS, directResult: true },
    resolve: (r, args, ctx) => ctx.cairn.blame.blame(ctx.actor, ctx.blobs, r.name, args),
  }),
);

builder.objectField(ConfigDocumentRef, 'blame', (t) =>
  t.field({
    type: BlameRef,
    description: 'Who last set each value of this document, at the version it was read at.',
    args: { pointer: t.arg.string({ required: false, description: pointerDoc }) },
    errors: { types: BLAME_ERRORS, directResult: true },
    resolve: (d, args, ctx) => ctx.cairn.blame.blameAt(d.namespace, ctx.blobs, d.path, d.at, args.pointer ?? ''),
  }),
);
