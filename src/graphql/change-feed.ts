import type { CommitAction } from '../domain/commit-message.js';
import type { ChangeEvent, DocumentChangeEvent } from '../services/change-event.js';
import { builder } from './builder.js';
import { ValueChangeRef } from './diff.js';
import { ChangeStatusEnum, CommitActionEnum, PersonRef } from './version.js';

const DocumentChangeRef = builder.objectRef<DocumentChangeEvent>('DocumentChange').implement({
  fields: (t) => ({
    path: t.exposeString('path'),
    status: t.field({ type: ChangeStatusEnum, resolve: (d) => d.status }),
    changes: t.field({ type: [ValueChangeRef], resolve: (d) => [...d.changes] }),
    patch: t.field({ type: 'JSON', description: 'RFC 6902 JSON Patch.', resolve: (d) => d.patch }),
    tooLarge: t.boolean({ description: 'The changes were too large to carry: fetch the diff instead.', resolve: (d) => d.tooLarge }),
  }),
});

const ChangeEventRef = builder.objectRef<ChangeEvent>('ChangeEvent').implement({
  description: 'One commit, as the change feed delivers it.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The commit hash; stable across redelivery.' }),
    namespace: t.exposeString('namespace'),
    version: t.exposeString('version'),
    parentVersion: t.exposeString('parentVersion', { nullable: true }),
    sequence: t.exposeInt('sequence'),
    action: t.field({ type: CommitActionEnum, nullable: true, resolve: (e) => e.action }),
    operator: t.field({ type: PersonRef, resolve: (e) => e.operator }),
    operatorIp: t.exposeString('operatorIp', { nullable: true }),
    time: t.field({ type: 'DateTime', resolve: (e) => new Date(e.time) }),
    comment: t.exposeString('comment'),
    documents: t.field({ type: [DocumentChangeRef], resolve: (e) => [...e.documents] }),
  }),
});

builder.subscriptionFields((t) => ({
  changes: t.field({
    type: ChangeEventRef,
    description:
      'One event per commit. With `since` (needs `namespace`), first every later commit from history in order, then live, with no gap and no duplicate.',
    args: {
      namespace: t.arg.string({ required: false }),
      pathPrefix: t.arg.string({ required: false }),
      actions: t.arg({ type: [CommitActionEnum], required: false }),
      since: t.arg.string({ required: false }),
    },
    subscribe: (_root, args, ctx) => ctx.cairn.feed.subscribe(ctx.actor, { ...args, actions: (args.actions as CommitAction[] | null | undefined) ?? null }),
    resolve: (event) => event,
  }),
}));
