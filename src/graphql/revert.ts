import { RevertConflictError } from '../domain/errors.js';
import { builder } from './builder.js';
import { WRITE_ERRORS } from './errors.js';
import { WritePayloadRef } from './write-payload.js';

const RevertResolutionInput = builder.inputType('RevertResolution', {
  description: 'The value to commit for one conflicting value of a revert (RevertConflict lists them and their competing values).',
  fields: (t) => ({
    path: t.string({ required: true }),
    pointer: t.string({ required: true, description: "RFC 6901, as RevertConflict lists it ('' is the whole document)." }),
    value: t.field({ type: 'JSON', required: false, description: 'The value to commit (JSON null is a value).' }),
    remove: t.boolean({ required: false, defaultValue: false, description: 'Commit without this value (the whole document, for the pointer "").' }),
  }),
});

const RevertInput = builder.inputType('RevertInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    version: t.string({ required: true, description: 'The version whose changes to undo.' }),
    dryRun: t.boolean({ required: false, defaultValue: false }),
    expectedVersion: t.string({ required: true }),
    comment: t.string({ required: false }),
    requestId: t.string({ required: false }),
    resolutions: t.field({
      type: [RevertResolutionInput],
      required: false,
      description:
        'Resolve a RevertConflict: a value for each conflicting value, committed with the revert in one commit. A resolution for a value not in conflict is InvalidInput.',
    }),
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
