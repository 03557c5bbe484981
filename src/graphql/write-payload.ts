import type { WriteOutcome } from '../services/write-pipeline.js';
import { builder } from './builder.js';
import { FileDiffRef } from './diff.js';
import { VersionRef } from './version-ref.js';

const WriteStatusEnum = builder.enumType('WriteStatus', {
  values: {
    COMMITTED: { description: 'A new version was committed.' },
    REPLAYED: { description: 'This requestId was seen before: the version it committed, nothing new.' },
    UNCHANGED: { description: 'The documents already had this content: nothing to commit.' },
    PREVIEW: { description: 'Dry run: what would be committed; nothing was.' },
  } as const,
});

function statusOf(outcome: WriteOutcome): 'COMMITTED' | 'REPLAYED' | 'UNCHANGED' | 'PREVIEW' {
  if (outcome.kind === 'committed') return outcome.replayed ? 'REPLAYED' : 'COMMITTED';
  return outcome.kind === 'unchanged' ? 'UNCHANGED' : 'PREVIEW';
}

/** The success side of every write: what happened, the version it produced or stands on, and the diff. */
export const WritePayloadRef = builder.objectRef<WriteOutcome>('WritePayload').implement({
  fields: (t) => ({
    status: t.field({ type: WriteStatusEnum, resolve: statusOf }),
    version: t.field({
      type: VersionRef,
      nullable: true,
      description: 'The committed (or replayed) version; the current head when unchanged; null for a preview.',
      resolve: (o) => (o.kind === 'preview' ? null : o.version),
    }),
    base: t.field({
      type: VersionRef,
      nullable: true,
      description: 'For a preview, the head it was computed against: pass it as expectedVersion to confirm.',
      resolve: (o) => (o.kind === 'preview' ? o.base : null),
    }),
    files: t.field({
      type: [FileDiffRef],
      description: 'Per document: what changed (or would change).',
      resolve: (o) => (o.kind === 'unchanged' ? [] : o.files),
    }),
  }),
});
