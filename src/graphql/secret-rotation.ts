import { builder } from './builder.js';
import { WRITE_ERRORS } from './errors.js';
import { WritePayloadRef } from './write-payload.js';

const ReencryptSecretsInput = builder.inputType('ReencryptSecretsInput', {
  fields: (t) => ({
    namespace: t.string({ required: true }),
    expectedVersion: t.string({
      required: true,
      description: 'The head you saw: refused with VersionConflict if a later version changed a document with secrets.',
    }),
    comment: t.string({ required: false, description: 'Why: the commit message.' }),
  }),
});

builder.mutationField('reencryptSecrets', (t) =>
  t.field({
    type: WritePayloadRef,
    description:
      "Admins: encrypts every secret value of the namespace again, to the server's current recipients (CAIRN_SECRETS_KEY_FILE's first identity and CAIRN_SECRETS_RECIPIENTS), in one commit. UNCHANGED when the namespace holds no encrypted value.",
    args: { input: t.arg({ type: ReencryptSecretsInput, required: true }) },
    errors: { types: WRITE_ERRORS, directResult: true },
    resolve: (_root, { input }, ctx) =>
      ctx.cairn.secretRotation.reencrypt(ctx.actor, { namespace: input.namespace, expectedVersion: input.expectedVersion, comment: input.comment ?? '' }),
  }),
);
