import type { WriteOutcome } from '../services/write-pipeline.js';
import { builder } from './builder.js';
import { WRITE_ERRORS } from './errors.js';
import { WritePayloadRef } from './write-payload.js';

const ImportAuthorInput = builder.inputType('ImportAuthorInput', {
  fields: (t) => ({ name: t.string({ required: true }), email: t.string({ required: true }) }),
});

const ImportChangeInput = builder.inputType('ImportChangeInput', {
  description: 'One document of an imported commit: its new raw text (stored byte for byte), or delete.',
  fields: (t) => ({
    path: t.string({ required: true }),
    text: t.string({ required: false }),
    delete: t.boolean({ required: false }),
  }),
});

const ImportedCommitInput = builder.inputType('ImportedCommitInput', {
  fields: (t) => ({
    author: t.field({ type: ImportAuthorInput, required: true, description: 'The original author, kept as the Git author.' }),
    authoredAt: t.field({ type: 'DateTime', required: true, description: 'The original author time (whole seconds are kept).' }),
    timezoneOffset: t.int({ required: true, description: "Minutes east of UTC of the author's time (+0200 = 120)." }),
    message: t.string({ required: true, description: 'The original commit message; Cairn appends its trailers.' }),
    requestId: t.string({
      required: false,
      description:
        "This commit's idempotency key (e.g. derived from its source hash, so a later import of the same history replays it); `<batch requestId>.<index>` when absent.",
    }),
    changes: t.field({ type: [ImportChangeInput], required: true }),
  }),
});

const ImportHistoryInput = builder.inputType('ImportHistoryInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    expectedVersion: t.string({
      required: false,
      description: 'The namespace head this batch builds on (null: the namespace is empty). Any other head is a VersionConflict.',
    }),
    requestId: t.string({
      required: true,
      description:
        'Commit i of the batch is written with its own requestId, or `<requestId>.<i>`: sending a batch again replays what already landed (at most 120 characters).',
    }),
    commits: t.field({ type: [ImportedCommitInput], required: true, description: 'Oldest first; at most 500.' }),
  }),
});

interface ImportPayload {
  readonly outcomes: readonly WriteOutcome[];
}

const ImportHistoryPayloadRef = builder.objectRef<ImportPayload>('ImportHistoryPayload').implement({
  fields: (t) => ({
    commits: t.field({
      type: [WritePayloadRef],
      description: 'Per commit of the batch, in order: COMMITTED, REPLAYED or UNCHANGED.',
      resolve: (p) => [...p.outcomes],
    }),
  }),
});

builder.mutationFields((t) => ({
  importHistory: t.field({
    type: ImportHistoryPayloadRef,
    description:
      'Admins: commits of another Git repository, oldest first, each committed through the usual checks with its original author and time, Cairn as committer, action IMPORT and the importer in Cairn-Imported-By. A failure stops the batch after the commits before it; send the same batch again to resume.',
    args: { input: t.arg({ type: ImportHistoryInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.imports.importBatch(ctx.actor, { ...input, expectedVersion: input.expectedVersion ?? null }),
  }),
}));
