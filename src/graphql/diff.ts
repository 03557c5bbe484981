import type { ValueChange } from '../domain/value-diff.js';
import type { DocumentDiff } from '../services/document-diff.js';
import type { VersionDiff } from '../services/diff.js';
import { shownDiff } from '../services/secret-diff.js';
import { builder } from './builder.js';
import { VersionRef } from './version-ref.js';

export const FormatEnum = builder.enumType('DocumentFormat', {
  values: { JSON: { value: 'json' }, YAML: { value: 'yaml' } } as const,
});

export const ChangeStatusEnum = builder.enumType('ChangeStatus', {
  values: { ADDED: { value: 'added' }, MODIFIED: { value: 'modified' }, DELETED: { value: 'deleted' } } as const,
});

const ValueChangeOpEnum = builder.enumType('ValueChangeOp', {
  values: { ADD: { value: 'add' }, REMOVE: { value: 'remove' }, REPLACE: { value: 'replace' } } as const,
});

export const ValueChangeRef = builder.objectRef<ValueChange>('ValueChange').implement({
  description: 'One value that changed, addressed by an RFC 6901 JSON pointer.',
  fields: (t) => ({
    pointer: t.exposeString('pointer'),
    op: t.field({ type: ValueChangeOpEnum, resolve: (c) => c.op }),
    oldValue: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.oldValue ?? null }),
    newValue: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.newValue ?? null }),
  }),
});

export const FileDiffRef = builder.objectRef<DocumentDiff>('FileDiff').implement({
  fields: (t) => ({
    path: t.exposeString('path'),
    status: t.field({ type: ChangeStatusEnum, resolve: (d) => d.status }),
    format: t.field({ type: FormatEnum, resolve: (d) => d.format }),
    changes: t.field({ type: [ValueChangeRef], description: 'Structured value changes.', resolve: (d) => shownDiff(d).changes() }),
    patch: t.field({ type: 'JSON', description: 'The RFC 6902 JSON Patch from the old document to the new one.', resolve: (d) => shownDiff(d).patch() }),
    unified: t.string({ description: 'A unified text diff of the stored text (secret values shown as "[secret]").', resolve: (d) => shownDiff(d).unified() }),
    oldText: t.string({ nullable: true, resolve: (d) => shownDiff(d).oldText() }),
    newText: t.string({ nullable: true, resolve: (d) => shownDiff(d).newText() }),
    oldContent: t.field({ type: 'JSON', nullable: true, resolve: async (d) => (await shownDiff(d).oldValue()) ?? null }),
    newContent: t.field({ type: 'JSON', nullable: true, resolve: async (d) => (await shownDiff(d).newValue()) ?? null }),
  }),
});

export const DiffRef = builder.objectRef<VersionDiff>('Diff').implement({
  fields: (t) => ({
    from: t.field({ type: VersionRef, resolve: (d) => d.from }),
    to: t.field({ type: VersionRef, resolve: (d) => d.to }),
    files: t.field({ type: [FileDiffRef], resolve: (d) => d.files }),
  }),
});
