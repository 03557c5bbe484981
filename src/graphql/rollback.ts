import { builder } from './builder.js';
import { WRITE_ERRORS } from './errors.js';
import { WritePayloadRef } from './write-payload.js';

const RollbackInput = builder.inputType('RollbackInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    to: t.string({ required: true, description: 'The version to return to (hash, short hash, tag, HEAD~N).' }),
    paths: t.stringList({ required: false, description: 'Only these documents; every document when absent.' }),
    dryRun: t.boolean({ required: false, defaultValue: false }),
    expectedVersion: t.string({
      required: true,
      description: 'The head you previewed against; refused with VersionConflict if those documents changed since.',
    }),
    comment: t.string({ required: false }),
    requestId: t.string({ required: false }),
    force: t.boolean({
      required: false,
      description: 'Commit despite checks that let a forced write pass (overlays it breaks); a write that needed it carries the trailer Cairn-Forced: true.',
    }),
  }),
});

builder.mutationFields((t) => ({
  rollback: t.field({
    type: WritePayloadRef,
    description: 'A new commit whose documents equal their content at `to`. History is never rewritten.',
    args: { input: t.arg({ type: RollbackInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.rollbacks.rollback(ctx.actor, input),
  }),
}));
