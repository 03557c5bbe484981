import type { EtcdDrift } from '../domain/etcd-drift.js';
import type { EtcdEnvironmentState } from '../services/etcd-delivery.js';
import { builder } from './builder.js';
import type { GraphQLContext } from './context.js';
import { EnvironmentRef } from './environment.js';
import { EnvironmentEventRef } from './rollout.js';

const EtcdDriftStatusEnum = builder.enumType('EtcdDriftStatus', {
  values: {
    DETECTED: { value: 'detected', description: 'Found, and reported (CAIRN_ETCD_DRIFT=report), or being captured or restored.' },
    CAPTURED: { value: 'captured', description: 'Committed to main (action CAPTURE, `capturedVersion`); etcd keeps the edit until a release publishes it.' },
    RESTORED: { value: 'restored', description: 'etcd holds the released value again: Cairn put it back.' },
    FAILED: { value: 'failed', description: 'The capture or restore was refused (`message`): the edit stays in etcd, reported.' },
    RESOLVED: {
      value: 'resolved',
      description: 'etcd holds the released value again otherwise: a release published over it, or a hand put it back. Sent once, as an event.',
    },
  } as const,
});

/** etcd holds secret values decrypted (as an agent reads them): with secrets on, its values go to their readers only. */
function mayShowEtcdValues(ctx: GraphQLContext, drift: EtcdDrift): boolean {
  return !ctx.cairn.secrets.active || ctx.cairn.secrets.mayRead(ctx.actor, drift.namespace);
}

const EtcdDriftRef = builder.objectRef<EtcdDrift>('EtcdDrift').implement({
  description: "A key of an environment's etcd prefix whose value is not the one Cairn published there: an edit made in etcd directly.",
  fields: (t) => ({
    key: t.string({ resolve: (d) => d.key }),
    cluster: t.string({
      nullable: true,
      description: 'The cluster whose key it is; null for `_` (the base documents) and for keys naming no document.',
      resolve: (d) => d.cluster,
    }),
    path: t.string({
      nullable: true,
      description: 'The document the key holds; null for the version key and for keys naming no document.',
      resolve: (d) => d.path,
    }),
    revision: t.string({
      description: "The etcd revision of the edit (decimal; etcd's revisions are 64-bit): the key's modification revision, or the one that deleted it.",
      resolve: (d) => String(d.revision),
    }),
    releasedValue: t.string({
      nullable: true,
      description:
        'What the release published there; null for a key added in etcd. With a secrets key on the server, only readers of secrets (admins, agents) see it: etcd holds secret values decrypted.',
      resolve: (d, _args, ctx) => (mayShowEtcdValues(ctx, d) ? d.releasedValue : null),
    }),
    foundValue: t.string({
      nullable: true,
      description: 'What etcd holds; null when the key was deleted. Shown as `releasedValue` is.',
      resolve: (d, _args, ctx) => (mayShowEtcdValues(ctx, d) ? d.foundValue : null),
    }),
    status: t.field({ type: EtcdDriftStatusEnum, resolve: (d) => d.status }),
    capturedVersion: t.string({ nullable: true, description: 'The capture commit on main (status CAPTURED).', resolve: (d) => d.capturedVersion }),
    message: t.string({
      nullable: true,
      description: 'Why the capture or restore was refused (status FAILED); shown as `releasedValue` is (a refusal may quote the value).',
      resolve: (d, _args, ctx) => (mayShowEtcdValues(ctx, d) ? d.message : null),
    }),
    detectedAt: t.field({ type: 'DateTime', resolve: (d) => new Date(d.detectedAt) }),
  }),
});

const EtcdDriftPolicyEnum = builder.enumType('EtcdDriftPolicy', {
  description: 'CAIRN_ETCD_DRIFT: what Cairn does with an edit made in etcd.',
  values: { REPORT: { value: 'report' }, CAPTURE: { value: 'capture' }, RESTORE: { value: 'restore' } } as const,
});

const EtcdPublicationRef = builder.objectRef<EtcdEnvironmentState>('EtcdPublication').implement({
  description: "An environment as etcd holds it (docs/etcd.md): what its version key names, this replica's publications, and the drift found.",
  fields: (t) => ({
    prefix: t.string({ description: 'Every key of the environment is under it: `<prefix><cluster or _>/<path>`.', resolve: (s) => s.prefix }),
    versionKey: t.string({ description: 'The key naming the version etcd holds (JSON: version, release, publishedAt).', resolve: (s) => s.versionKey }),
    policy: t.field({ type: EtcdDriftPolicyEnum, resolve: (s) => s.policy }),
    version: t.string({
      nullable: true,
      description:
        'The version of main etcd holds, as its version key said at the last check; null before the first publication (or while etcd cannot be read).',
      resolve: (s) => s.held?.mark?.version ?? null,
    }),
    release: t.string({
      nullable: true,
      description: 'The release-branch commit that publication was made from.',
      resolve: (s) => s.held?.mark?.release ?? null,
    }),
    revision: t.string({
      nullable: true,
      description: "The version key's modification revision (decimal).",
      resolve: (s) => (s.held ? String(s.held.revision) : null),
    }),
    pending: t.int({ description: 'Publications waiting on this replica (etcd unreachable, or one in flight).', resolve: (s) => s.publication.pending }),
    lastError: t.string({
      nullable: true,
      description: "Why this replica's last publication attempt failed; null once one succeeded.",
      resolve: (s) => s.publication.lastError,
    }),
    drift: t.field({ type: [EtcdDriftRef], description: 'Keys whose value in etcd is not the published one, by key.', resolve: (s) => [...s.drift] }),
  }),
});

builder.objectFields(EnvironmentRef, (t) => ({
  etcd: t.field({
    type: EtcdPublicationRef,
    nullable: true,
    description: 'The environment in etcd; null when the server publishes to no etcd (CAIRN_ETCD_ENDPOINTS).',
    resolve: (e, _args, ctx) => ctx.cairn.etcd?.state(e.repo.name, e.definition.name) ?? null,
  }),
}));

builder.objectFields(EnvironmentEventRef, (t) => ({
  drift: t.field({
    type: EtcdDriftRef,
    nullable: true,
    description: 'The drifted key of a DRIFT event, with its new status.',
    resolve: (e) => e.drift ?? null,
  }),
}));
