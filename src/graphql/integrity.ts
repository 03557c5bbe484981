import type { IntegrityProblem, IntegrityReport } from '../services/integrity.js';
import { builder } from './builder.js';
import { READ_ERRORS } from './errors.js';

const IntegrityProblemRef = builder.objectRef<IntegrityProblem>('IntegrityProblem').implement({
  fields: (t) => ({
    kind: t.exposeString('kind', {
      description: 'ref, missing, corrupt, hash, trailers or tree (a tree entry git fsck --strict refuses; the message starts with the fsck message id)',
    }),
    subject: t.exposeString('subject', { description: 'The object id or ref name.' }),
    message: t.exposeString('message'),
  }),
});

const IntegrityReportRef = builder.objectRef<IntegrityReport>('IntegrityReport').implement({
  fields: (t) => ({
    ok: t.boolean({ resolve: (r) => r.problems.length === 0 }),
    objectsChecked: t.exposeInt('objectsChecked'),
    refsChecked: t.exposeInt('refsChecked'),
    problems: t.field({ type: [IntegrityProblemRef], resolve: (r) => r.problems }),
  }),
});

builder.queryFields((t) => ({
  verifyIntegrity: t.field({
    type: IntegrityReportRef,
    description: 'Re-hashes every object reachable from every ref, checks parent and tree links and Cairn trailers (admins).',
    args: { namespace: t.arg.string({ required: true }) },
    errors: { types: READ_ERRORS, directResult: true },
    resolve: (_root, args, ctx) => ctx.cairn.integrity.verify(ctx.actor, args.namespace),
  }),
}));
