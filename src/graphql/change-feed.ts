import type { CommitAction } from '../domain/commit-message.js';
import type { ChangeEvent, DocumentChangeEvent } from '../services/change-event.js';
import { builder } from './builder.js';
import { endingWithError } from './ending-with-error.js';
import { ChangeStatusEnum, ValueChangeRef } from './diff.js';
import { CommitActionEnum, PersonRef } from './version.js';

const DocumentChangeRef = builder.objectRef<DocumentChangeEvent>('DocumentChange').implement({
  description: 'What one commit did to one document. With `tooLarge`, `changes` and `patch` are empty and both contents null.',
  fields: (t) => ({
    path: t.exposeString('path'),
    status: t.field({ type: ChangeStatusEnum, resolve: (d) => d.status }),
    changes: t.field({ type: [ValueChangeRef], resolve: (d) => [...d.changes] }),
    patch: t.field({ type: 'JSON', description: 'RFC 6902 JSON Patch from the old content to the new.', resolve: (d) => d.patch }),
    oldContent: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The whole document before the commit; null when it was added.',
      resolve: (d) => d.oldContent,
    }),
    newContent: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The whole document after the commit; null when it was deleted.',
      resolve: (d) => d.newContent,
    }),
    tooLarge: t.boolean({
      description: 'The document is too large for an event (CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES): fetch the diff or the document instead.',
      resolve: (d) => d.tooLarge,
    }),
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
      'One event per commit, in commit order. With `since` (needs `namespace`), first every later commit from history, then live, with no gap and no duplicate. ' +
      'An unknown `since` is an INVALID_REF error. A subscriber that falls more than CAIRN_FEED_MAX_BUFFERED_EVENTS behind is disconnected (SLOW_SUBSCRIBER, with the version to resume from).',
    args: {
      namespace: t.arg.string({ required: false }),
      pathPrefix: t.arg.string({ required: false, description: 'Only commits changing a document whose path starts with this.' }),
      actions: t.arg({ type: [CommitActionEnum], required: false }),
      since: t.arg.string({
        required: false,
        description:
          "A version of the namespace: replay every later commit, then continue live. Forty zeros (Git's null object name) replays from the first commit, so a watch of an empty namespace can resume.",
      }),
    },
    subscribe: async (_root, args, ctx) =>
      endingWithError(
        await ctx.cairn.feed.subscribe(
          ctx.actor,
          { ...args, actions: (args.actions as CommitAction[] | null | undefined) ?? null },
          { onOverflow: ctx.onSlowSubscriber },
        ),
      ),
    resolve: (item) => {
      if (item instanceof Error) throw item;
      return item;
    },
  }),
}));
