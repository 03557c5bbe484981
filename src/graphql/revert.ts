import { RevertConflictError } from '../domain/errors.js';
import { builder } from './builder.js';
import { WRITE_ERRORS } from './errors.js';
import { WritePayloadRef } from './write-payload.js';

const RevertInput = builder.inputType('RevertInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    version: t.string({ required: true, description: 'The version whose changes to undo.' }),
    dryRun: t.boolean({ required: false, defaultValue: false }),
    expectedVersion: t.string({ required: true }),
    comment: t.string({ required: false }),
    requestId: t.string({ required: false }),
    force: t.boolean({
      required: false,
      description: 'Commit despite checks that let a forced write pass (overlays it breaks); a write that needed it carries the trailer Cairn-Forced: true.',
    }),
  }),
});

builder.mutationFields((t) => ({
  revert: t.field({
    type: WritePayloadRef,
    description: 'A new commit undoing one version alone; RevertConflict when later versions changed the same values.',
    args: { input: t.arg({ type: RevertInput, required: true }) },
    errors: { types: [...WRITE_ERRORS, RevertConflictError], directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.reverts.revert(ctx.actor, input),
  }),
}));
