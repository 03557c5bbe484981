import { parsePerson } from '../domain/person-trailer.js';
import { versionDiffs } from '../services/diff.js';
import { type PathStatus, parentOf, relatedVersion } from '../services/version-view.js';
import { builder } from './builder.js';
import { ChangeStatusEnum, FileDiffRef } from './diff.js';
import { VersionRef } from './version-ref.js';

export const CommitActionEnum = builder.enumType('CommitAction', {
  values: {
    CREATE: { value: 'create' },
    UPDATE: { value: 'update' },
    DELETE: { value: 'delete' },
    ROLLBACK: { value: 'rollback' },
    REVERT: { value: 'revert' },
    PROPOSE: { value: 'propose', description: 'A change request opened on its proposal branch.' },
    APPROVE: { value: 'approve', description: 'A review approving a change request (on its proposal branch).' },
    REJECT: { value: 'reject', description: 'A review rejecting a change request (on its proposal branch).' },
    COMMENT: { value: 'comment', description: 'A comment on a change request, with no verdict (on its proposal branch).' },
    MERGE: { value: 'merge', description: 'An approved change request committed to main.' },
    IMPORT: {
      value: 'import',
      description: 'A commit imported from another Git repository (importHistory): its original author and time, the importer in Cairn-Imported-By.',
    },
    RELEASE: {
      value: 'release',
      description: "A release of a version of main to an environment, on the environment's branch (trailers Cairn-Environment, Cairn-Release-Of).",
    },
    ROLLOUT: {
      value: 'rollout',
      description:
        "A step of a release's progressive rollout, a pause or its completion, on the environment's branch (Cairn-Rollout-Step, Cairn-Rollout-State).",
    },
    CAPTURE: {
      value: 'capture',
      description: 'An edit made directly in etcd, captured into main (CAIRN_ETCD_DRIFT=capture; trailers Cairn-Etcd-Key, Cairn-Etcd-Revision).',
    },
    TAG: { value: 'tag', description: "A tag created: recorded on the namespace's admin log (branch admin-log, file tags/<name>.json)." },
    UNTAG: { value: 'untag', description: "A tag deleted: recorded on the namespace's admin log (its tags/<name>.json removed)." },
    WEBHOOK: {
      value: 'webhook',
      description: "A webhook created, changed, its secret rotated or deleted: recorded on the namespace's admin log (webhooks/<id>.json, never the secret).",
    },
  } as const,
});

export interface Person {
  readonly name: string;
  readonly email: string;
}

export const PersonRef = builder.objectRef<Person>('Person').implement({
  description: 'An operator (from the credentials) or the service that committed.',
  fields: (t) => ({ name: t.exposeString('name'), email: t.exposeString('email') }),
});

const FileChangeRef = builder.objectRef<{ path: string; status: PathStatus }>('FileChange').implement({
  fields: (t) => ({ path: t.exposeString('path'), status: t.field({ type: ChangeStatusEnum, resolve: (c) => c.status }) }),
});

export const IMPORTED_BY =
  'For an imported commit (action IMPORT): the operator who imported it, authenticated by Cairn (trailer Cairn-Imported-By), while `operator` is its original author. null for every other commit.';

/** The importer of an IMPORT commit; other commits have none, whatever their message claims. */
/** Imports keep the original time as the author time; the commit (committer) time is when it entered Cairn. */
export const AUTHORED_AT = 'When the change was made: the commit time, except for an imported commit (its original author time in the source repository).';

export function importedByOf(v: {
  readonly commit: { readonly trailers?: { readonly action: string; readonly importedBy?: string | null } | null };
}): Person | null {
  return v.commit.trailers?.action === 'import' ? parsePerson(v.commit.trailers.importedBy) : null;
}

VersionRef.implement({
  description: 'A commit: one change to one or more documents, with its audit trail.',
  fields: (t) => ({
    hash: t.string({ resolve: (v) => v.commit.oid }),
    shortHash: t.string({ resolve: (v) => v.commit.oid.slice(0, 12) }),
    namespace: t.string({ resolve: (v) => v.namespace.name }),
    sequence: t.int({
      nullable: true,
      description: 'Position in main (the first version is 0); null off main.',
      resolve: (v) => (v.commit.seq < 0 ? null : v.commit.seq),
    }),
    parents: t.stringList({ resolve: (v) => [...v.commit.parents] }),
    parent: t.field({ type: VersionRef, nullable: true, resolve: (v) => parentOf(v) }),
    comment: t.string({ resolve: (v) => v.commit.comment }),
    operator: t.field({ type: PersonRef, resolve: (v) => v.commit.author }),
    importedBy: t.field({ type: PersonRef, nullable: true, description: IMPORTED_BY, resolve: importedByOf }),
    committer: t.field({ type: PersonRef, resolve: (v) => v.commit.committer }),
    timestamp: t.field({ type: 'DateTime', resolve: (v) => new Date(v.commit.committer.timestamp * 1000) }),
    authoredAt: t.field({ type: 'DateTime', description: AUTHORED_AT, resolve: (v) => new Date(v.commit.author.timestamp * 1000) }),
    action: t.field({
      type: CommitActionEnum,
      nullable: true,
      description: 'null for commits made outside Cairn.',
      resolve: (v) => v.commit.trailers?.action ?? null,
    }),
    operatorIp: t.string({ nullable: true, resolve: (v) => v.commit.trailers?.operatorIp ?? null }),
    requestId: t.string({ nullable: true, resolve: (v) => v.commit.trailers?.requestId ?? null }),
    forced: t.boolean({
      description: 'Committed with force: true past checks it would otherwise have failed, such as overlays it broke (trailer Cairn-Forced).',
      resolve: (v) => v.commit.trailers?.forced === true,
    }),
    rollbackTo: t.field({ type: VersionRef, nullable: true, resolve: (v) => relatedVersion(v, v.commit.trailers?.rollbackTo) }),
    reverts: t.field({ type: VersionRef, nullable: true, resolve: (v) => relatedVersion(v, v.commit.trailers?.reverts) }),
    changes: t.field({ type: [FileChangeRef], resolve: (v) => v.commit.changes.map((c) => ({ path: c.path, status: c.status })) }),
    diff: t.field({
      type: [FileDiffRef],
      description: 'What this version changed against its first parent.',
      resolve: (v, _args, ctx) => versionDiffs(v, ctx.blobs),
    }),
  }),
});
