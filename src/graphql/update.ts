import { NamespaceExistsError, StorageError } from '../domain/errors.js';
import type { JsonValue } from '../domain/json-value.js';
import { builder } from './builder.js';
import { READ_ERRORS, WRITE_ERRORS } from './errors.js';
import { NamespaceRef } from './namespace.js';
import { WritePayloadRef } from './write-payload.js';

const expectedVersionDoc =
  'The version you based this change on (hash, short hash, tag, HEAD~N). Refused with VersionConflict if a later version changed these documents. null: the documents must not exist yet.';

export const DocumentChangeInput = builder.inputType('DocumentChangeInput', {
  fields: (t) => ({
    path: t.string({ required: true }),
    text: t.string({ required: false, description: 'Raw JSON or YAML text, stored as given.' }),
    content: t.field({ type: 'JSON', required: false, description: 'A value, serialized in the format of the path.' }),
    delete: t.boolean({ required: false }),
  }),
});

const commonFields = {
  expectedVersion: { required: false, description: expectedVersionDoc },
  comment: { required: false, description: 'Why: the commit message.' },
  requestId: { required: false, description: 'Idempotency key: the same key never makes a second commit.' },
  force: {
    required: false,
    description: 'Commit despite checks that let a forced write pass (overlays it breaks); a write that needed it carries the trailer Cairn-Forced: true.',
  },
} as const;

const PutConfigInput = builder.inputType('PutConfigInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    path: t.string({ required: true }),
    text: t.string({ required: false }),
    content: t.field({ type: 'JSON', required: false }),
    expectedVersion: t.string(commonFields.expectedVersion),
    comment: t.string(commonFields.comment),
    requestId: t.string(commonFields.requestId),
    force: t.boolean(commonFields.force),
  }),
});

const ApplyChangesInput = builder.inputType('ApplyChangesInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    changes: t.field({ type: [DocumentChangeInput], required: true }),
    expectedVersion: t.string(commonFields.expectedVersion),
    comment: t.string(commonFields.comment),
    requestId: t.string(commonFields.requestId),
    force: t.boolean(commonFields.force),
  }),
});

const DeleteConfigInput = builder.inputType('DeleteConfigInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    path: t.string({ required: true }),
    expectedVersion: t.string({ required: true }),
    comment: t.string(commonFields.comment),
    requestId: t.string(commonFields.requestId),
    force: t.boolean(commonFields.force),
  }),
});

const CreateNamespaceInput = builder.inputType('CreateNamespaceInput', {
  fields: (t) => ({ name: t.string({ required: true }) }),
});

builder.mutationFields((t) => ({
  createNamespace: t.field({
    type: NamespaceRef,
    args: { input: t.arg({ type: CreateNamespaceInput, required: true }) },
    errors: { types: [...READ_ERRORS, NamespaceExistsError, StorageError], directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.namespaces.create(ctx.actor, input.name),
  }),
  putConfig: t.field({
    type: WritePayloadRef,
    args: { input: t.arg({ type: PutConfigInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) =>
      ctx.cairn.updates.apply(ctx.actor, { ...input, expectedVersion: input.expectedVersion ?? null }, [
        { path: input.path, text: input.text, content: input.content === undefined ? undefined : (input.content as JsonValue) },
      ]),
  }),
  applyChanges: t.field({
    type: WritePayloadRef,
    args: { input: t.arg({ type: ApplyChangesInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) =>
      ctx.cairn.updates.apply(
        ctx.actor,
        { ...input, expectedVersion: input.expectedVersion ?? null },
        input.changes.map((c) => ({ path: c.path, text: c.text, content: c.content === undefined ? undefined : (c.content as JsonValue), delete: c.delete })),
      ),
  }),
  deleteConfig: t.field({
    type: WritePayloadRef,
    args: { input: t.arg({ type: DeleteConfigInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) => ctx.cairn.updates.apply(ctx.actor, input, [{ path: input.path, delete: true }]),
  }),
}));
