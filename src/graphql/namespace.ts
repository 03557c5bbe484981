import { MAX_AUDIT_ACROSS_PAGE, MAX_AUDITED_NAMESPACES } from '../services/audit-across.js';
import { MAX_SEARCHED_VERSIONS } from '../services/history.js';
import { subjectsOf } from '../domain/change-subject.js';
import type { CommitAction } from '../domain/commit-message.js';
import type { NamespaceView } from '../services/namespaces.js';
import type { VersionView } from '../services/version-view.js';
import { builder } from './builder.js';
import { ConfigDocumentRef } from './config-document.js';
import { DiffRef } from './diff.js';
import { READ_ERRORS } from './errors.js';
import { AUTHORED_AT, CommitActionEnum, IMPORTED_BY, PersonRef, importedByOf } from './version.js';
import { VersionRef } from './version-ref.js';

export const AS_OF_DOC = 'Read main as of this instant: its last commit at or before it (committer time). Not together with `at`.';

export const ChangeSubjectEnum = builder.enumType('ChangeSubject', {
  description: 'What kind of file a change touched: the files that govern the others, or the documents themselves.',
  values: {
    POLICY: { value: 'policy', description: 'The namespace policy (.cairn/policy.json): approvals, protected tags, emergency rollbacks.' },
    ENVIRONMENT: { value: 'environment', description: 'The environment definitions (.cairn/environments.json).' },
    SCHEMA: { value: 'schema', description: 'A JSON Schema or the schema index (.cairn/schemas/).' },
    CAIRN: { value: 'cairn', description: "Another of Cairn's own files under .cairn/." },
    OVERLAY: { value: 'overlay', description: "A cluster's overlay (x.overlays/<cluster>.patch.json)." },
    DOCUMENT: { value: 'document', description: 'A configuration document.' },
  } as const,
});

const AuditFilterInput = builder.inputType('AuditFilter', {
  fields: (t) => ({
    operator: t.string({ required: false, description: "A part of the operator's name or email, case-insensitive: `ada` finds Ada Admin <ada@example.com>." }),
    action: t.field({ type: CommitActionEnum, required: false }),
    since: t.field({ type: 'DateTime', required: false }),
    until: t.field({ type: 'DateTime', required: false }),
    path: t.string({ required: false }),
    version: t.string({ required: false, description: 'Only this version (hash, short hash, tag, HEAD~N).' }),
    subject: t.field({
      type: ChangeSubjectEnum,
      required: false,
      description: 'Only changes touching this kind of file (policy changes, environment definitions, ...).',
    }),
  }),
});

export const AuditEntryRef = builder.objectRef<VersionView>('AuditEntry').implement({
  description: 'One change in the audit log: who, when, from where, why, what action, which documents.',
  fields: (t) => ({
    version: t.field({ type: VersionRef, resolve: (v) => v }),
    operator: t.field({ type: PersonRef, resolve: (v) => v.commit.author }),
    importedBy: t.field({ type: PersonRef, nullable: true, description: IMPORTED_BY, resolve: importedByOf }),
    operatorIp: t.string({ nullable: true, resolve: (v) => v.commit.trailers?.operatorIp ?? null }),
    action: t.field({ type: CommitActionEnum, nullable: true, resolve: (v) => v.commit.trailers?.action ?? null }),
    time: t.field({ type: 'DateTime', resolve: (v) => new Date(v.commit.committer.timestamp * 1000) }),
    authoredAt: t.field({ type: 'DateTime', description: AUTHORED_AT, resolve: (v) => new Date(v.commit.author.timestamp * 1000) }),
    comment: t.string({ resolve: (v) => v.commit.comment }),
    requestId: t.string({ nullable: true, resolve: (v) => v.commit.trailers?.requestId ?? null }),
    paths: t.stringList({ resolve: (v) => v.commit.changes.map((c) => c.path) }),
    subjects: t.field({
      type: [ChangeSubjectEnum],
      description: 'What the change touched: the policy, environment definitions, schemas, overlays, documents (governing files first).',
      resolve: (v) => subjectsOf(v.commit.changes.map((c) => c.path)),
    }),
    namespace: t.string({ description: 'The namespace the change was made in (the audit across namespaces mixes them).', resolve: (v) => v.namespace.name }),
  }),
});

export const NamespaceRef = builder.objectRef<NamespaceView>('Namespace').implement({
  description: 'A bare Git repository of configuration documents.',
  fields: (t) => ({
    name: t.string({ resolve: (r) => r.name }),
    head: t.field({ type: VersionRef, nullable: true, resolve: (r) => r.head() }),
    versionCount: t.int({ resolve: (r) => r.versionCount() }),
    config: t.field({
      type: ConfigDocumentRef,
      args: {
        path: t.arg.string({ required: true }),
        at: t.arg.string({ required: false, description: 'hash, short hash, tag, HEAD~N, @{time}; default head' }),
        asOf: t.arg({ type: 'DateTime', required: false, description: AS_OF_DOC }),
      },
      errors: { types: READ_ERRORS, directResult: true },
      resolve: (r, args, ctx) => ctx.cairn.documents.get(ctx.actor, r.name, args.path, args.at, args.asOf),
    }),
    configs: t.field({
      type: [ConfigDocumentRef],
      args: {
        prefix: t.arg.string({ required: false }),
        at: t.arg.string({ required: false }),
        asOf: t.arg({ type: 'DateTime', required: false, description: AS_OF_DOC }),
      },
      errors: { types: READ_ERRORS },
      resolve: (r, args, ctx) => ctx.cairn.documents.list(ctx.actor, r.name, args.prefix, args.at, args.asOf),
    }),
    versions: t.connection({
      type: VersionRef,
      description: 'Versions, newest first. Invalid arguments are GraphQL errors with extensions.code.',
      args: {
        path: t.arg.string({ required: false }),
        since: t.arg({ type: 'DateTime', required: false }),
        until: t.arg({ type: 'DateTime', required: false }),
        search: t.arg.string({
          required: false,
          description: `Only versions whose comment, operator name or email, or a tag on them contains this (case-insensitively), or whose hash starts with it. A page looks at most ${MAX_SEARCHED_VERSIONS} versions: it may come back short with hasNextPage, to continue from its endCursor.`,
        }),
      },
      resolve: (r, args, ctx) => ctx.cairn.history.versions(ctx.actor, r.name, args),
    }),
    version: t.field({
      type: VersionRef,
      args: { ref: t.arg.string({ required: true }) },
      errors: { types: READ_ERRORS, directResult: true },
      resolve: (r, args, ctx) => ctx.cairn.history.version(ctx.actor, r.name, args.ref),
    }),
    diff: t.field({
      type: DiffRef,
      args: { from: t.arg.string({ required: true }), to: t.arg.string({ required: false }), path: t.arg.string({ required: false }) },
      errors: { types: READ_ERRORS, directResult: true },
      resolve: (r, args, ctx) => ctx.cairn.diffs.between(ctx.actor, ctx.blobs, r.name, args.from, args.to, args.path),
    }),
    audit: t.connection({
      type: AuditEntryRef,
      args: { filter: t.arg({ type: AuditFilterInput, required: false }) },
      resolve: (r, args, ctx) =>
        ctx.cairn.audit.entries(ctx.actor, r.name, { ...args, ...args.filter, action: (args.filter?.action as CommitAction | null | undefined) ?? null }),
    }),
  }),
});

builder.queryFields((t) => ({
  namespaces: t.connection({
    type: NamespaceRef,
    description: 'Namespaces you may read, by name.',
    resolve: (_root, args, ctx) => ctx.cairn.namespaces.page(ctx.actor, args),
  }),
  audit: t.connection({
    type: AuditEntryRef,
    description: `The audit log of every namespace you may read, newest first (by time, then namespace name): at most ${MAX_AUDITED_NAMESPACES} namespaces and ${MAX_AUDIT_ACROSS_PAGE} entries a page; proposals and reviews are on each namespace's own audit.`,
    args: { filter: t.arg({ type: AuditFilterInput, required: false }) },
    resolve: (_root, args, ctx) =>
      ctx.cairn.auditAcross.entries(ctx.actor, { ...args, ...args.filter, action: (args.filter?.action as CommitAction | null | undefined) ?? null }),
  }),
  namespace: t.field({
    type: NamespaceRef,
    args: { name: t.arg.string({ required: true }) },
    errors: { types: READ_ERRORS, directResult: true },
    resolve: (_root, args, ctx) => ctx.cairn.namespaces.get(ctx.actor, args.name),
  }),
}));
