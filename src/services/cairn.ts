import { EMPTY_ALLOW_LIST, type WebhookAllowList } from '../domain/webhook-url.js';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../domain/retry-schedule.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { Actor } from './actor.js';
import { AdminLog } from './admin-log.js';
import { AuditQuery } from './audit-query.js';
import { AuditAcross } from './audit-across.js';
import { type BlameOptions, BlameService } from './blame.js';
import { ChangeFeed, type FeedOptions } from './change-feed.js';
import { DiffService } from './diff.js';
import { DocumentReader } from './documents.js';
import { History } from './history.js';
import { ImportHistoryService } from './import-history.js';
import { IntegrityService } from './integrity.js';
import type { Logger } from './logger.js';
import { NamespaceAccess } from './namespace-access.js';
import { NamespaceService } from './namespaces.js';
import { OverlayCheck } from './overlay-check.js';
import { OverlayService } from './overlays.js';
import { ApprovalCheck } from './approval-check.js';
import { ProposalEvents } from './proposal-events.js';
import { ProposalService } from './proposals.js';
import { type RevertOptions, RevertService } from './revert.js';
import { RollbackService } from './rollback.js';
import { SchemaCheck } from './schema-check.js';
import { NO_OBSERVER, type ServiceObserver } from './service-observer.js';
import { TagService } from './tags.js';
import { UpdateService } from './update.js';
import { type DeliveryLog, FileDeliveryLog } from './webhooks/delivery-log.js';
import { SsrfGuard } from './webhooks/ssrf-guard.js';
import { LocalWebhookDispatcher, type WebhookDispatcher } from './webhooks/webhook-dispatcher.js';
import { WebhookRegistry } from './webhooks/webhook-registry.js';
import { WebhookSender } from './webhooks/webhook-sender.js';
import { WebhookService, recordWebhookChange } from './webhooks/webhook-service.js';
import { WritePipeline, type WriteSettings } from './write-pipeline.js';
import { SecretReveal } from './secret-reveal.js';
import { SecretsKeyRecord } from './secrets-key-record.js';
import { SecretRotation } from './secret-rotation.js';
import { EnvironmentService } from './environments.js';
import { EnvironmentDiff } from './environment-diff.js';
import { ConfigComparison } from './config-comparison.js';
import { NamespaceSignal } from './namespace-signal.js';
import { EnvironmentsCheck } from './environments-check.js';
import { EnvironmentEvents } from './environment-events.js';
import { InstanceRegistry } from './instance-registry.js';
import { InstanceService } from './instances.js';
import { type InstanceSharing, UNSHARED } from './instance-sharing.js';
import { RolloutDriver } from './rollout-driver.js';
import { RolloutService } from './rollouts.js';
import { followReplicatedReleases } from './replicated-releases.js';
import { WriteTargets } from './write-targets.js';
import { EtcdDelivery, type EtcdDeliverySettings } from './etcd-delivery.js';
import type { EtcdPort } from './etcd-port.js';
import { ServiceTokenRegistry } from './service-tokens/service-token-registry.js';
import { ServiceTokenService } from './service-tokens/service-token-service.js';

export interface WebhookSettings {
  /** Delays before each retry, in ms. */
  readonly retrySchedule: readonly number[];
  readonly timeoutMs: number;
  /** Exempt from the SSRF guard. */
  readonly allow: WebhookAllowList;
  /** Attempts kept in each webhook's delivery log. */
  readonly logSize: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  retrySchedule: parseRetrySchedule(DEFAULT_RETRY_SCHEDULE),
  timeoutMs: 15_000,
  allow: EMPTY_ALLOW_LIST,
  logSize: 1000,
};

/** Every webhook worker looks at its namespace this often even without a notification (git CLI commits, missed events). */
const WEBHOOK_RESCAN_MS = 30_000;

export interface CairnDependencies {
  readonly store: RepositoryStore;
  /** Carries change events: an in-process EventTarget, or a Redis-backed one across replicas. */
  readonly events: EventTarget;
  readonly logger: Logger;
  readonly write: WriteSettings;
  readonly feed?: FeedOptions;
  /** Blame's work bounds (CAIRN_MAX_BLAME_VALUES, CAIRN_MAX_BLAME_ENTRIES); the defaults otherwise. */
  readonly blame?: BlameOptions;
  /** The bound of a revert conflict's detail (CAIRN_MAX_REVERT_LATER_VERSIONS); the default otherwise. */
  readonly revert?: RevertOptions;
  readonly webhooks?: WebhookSettings;
  readonly rollouts?: RolloutSettings;
  /** How instance reports reach other replicas; none by default (one server). */
  readonly instanceSharing?: InstanceSharing;
  /** Where webhook delivery attempts are kept; a file per webhook in the system repository by default. */
  readonly deliveryLog?: DeliveryLog;
  /** Told of version conflicts and webhook deliveries (the server's metrics); nothing by default. */
  readonly observer?: ServiceObserver;
  /** etcd as a delivery target (CAIRN_ETCD_ENDPOINTS); none by default. */
  readonly etcd?: { readonly port: EtcdPort; readonly settings: EtcdDeliverySettings };
}

/** The use cases, wired once per process. The GraphQL layer calls these and nothing below them. */
export interface Cairn {
  readonly namespaces: NamespaceService;
  readonly documents: DocumentReader;
  readonly history: History;
  readonly audit: AuditQuery;
  readonly auditAcross: AuditAcross;
  readonly diffs: DiffService;
  readonly updates: UpdateService;
  readonly rollbacks: RollbackService;
  readonly reverts: RevertService;
  /** Commits of another Git repository replayed with their authors and times (admins). */
  readonly imports: ImportHistoryService;
  readonly proposals: ProposalService;
  readonly proposalEvents: ProposalEvents;
  readonly feed: ChangeFeed;
  readonly integrity: IntegrityService;
  readonly webhooks: WebhookService;
  /** Bearer tokens made by admins, kept as digests in the system repository. */
  readonly serviceTokens: ServiceTokenService;
  readonly overlays: OverlayService;
  readonly tags: TagService;
  readonly environments: EnvironmentService;
  readonly rollouts: RolloutService;
  readonly instances: InstanceService;
  readonly rolloutDriver: RolloutDriver;
  readonly environmentDiff: EnvironmentDiff;
  readonly comparison: ConfigComparison;
  /** Wakes long-polls when a namespace changes. */
  readonly namespaceSignal: NamespaceSignal;
  /** Every instance's applied state, for the replicas' sharing to feed what other replicas were told. */
  readonly instanceRegistry: InstanceRegistry;
  readonly blame: BlameService;
  /** What each reader sees of secret values: plaintext with the secrets permission, else "[secret]" (docs/secrets.md). */
  readonly secrets: SecretReveal;
  /** Re-encrypts a namespace's secret values to the current recipients, in one commit (admins). */
  readonly secretRotation: SecretRotation;
  /** With a secrets key: the record of which key secret values are encrypted to, confirmed before ready. */
  readonly secretsKey: SecretsKeyRecord | null;
  /** Delivers webhooks; started and stopped by the server (with several replicas, by one of them only). */
  readonly webhookDispatcher: WebhookDispatcher;
  /** Publishes environments to etcd and watches them there; null without CAIRN_ETCD_ENDPOINTS. Started by the server. */
  readonly etcd: EtcdDelivery | null;
  /** Waits for every queued write to finish (graceful shutdown). */
  drain(): Promise<void>;
}

/** Progressive rollouts and the instances' reports. */
export interface RolloutSettings {
  /** How often rollouts in progress are moved on. */
  readonly intervalMs: number;
  /** An instance silent for longer is forgotten. */
  readonly instanceTtlMs: number;
  /** Instances held at once, every environment together. */
  readonly maxInstances: number;
  /** Instances of one namespace held at once. */
  readonly maxInstancesPerNamespace: number;
}

export const DEFAULT_ROLLOUT_SETTINGS: RolloutSettings = { intervalMs: 1000, instanceTtlMs: 90_000, maxInstances: 100_000, maxInstancesPerNamespace: 20_000 };

export function createCairn(deps: CairnDependencies): Cairn {
  const access = new NamespaceAccess(deps.store);
  const feed = new ChangeFeed(deps.events, access, deps.logger, deps.feed);
  // Every commit reaches the feed once, in index order, whoever made it: this process, another replica, the git CLI.
  deps.store.onAppend((repo, commits) => {
    for (const commit of commits) feed.publish(repo, commit.oid);
  });
  const observer = deps.observer ?? NO_OBSERVER;
  const pipeline = new WritePipeline(new WriteTargets(access, deps.store), deps.write, observer);
  // Authorization first: an unapproved write hears ApprovalRequired, and costs no schema validation.
  pipeline.addCheck(new ApprovalCheck());
  const secrets = new SecretReveal(deps.write.secrets ?? null);
  pipeline.addCheck(new SchemaCheck(undefined, secrets));
  pipeline.addCheck(new OverlayCheck());
  pipeline.addCheck(new EnvironmentsCheck());
  const proposalEvents = new ProposalEvents(access);
  const webhookSettings = deps.webhooks ?? DEFAULT_WEBHOOK_SETTINGS;
  const registry = new WebhookRegistry(deps.store, pipeline, deps.write.committer, deps.write.secrets ?? null);
  const adminLog = new AdminLog(pipeline, deps.logger);
  // Cairn's own decisions (a webhook disabled because its endpoint answered 410): its committer identity makes them.
  const cairnItself: Actor = { operator: { ...deps.write.committer, grants: new Map([['*', 'admin' as const]]) }, ip: '' };
  const deliveryLog = deps.deliveryLog ?? new FileDeliveryLog(deps.store, webhookSettings.logSize);
  const guard = new SsrfGuard(webhookSettings.allow);
  const webhookDispatcher = new LocalWebhookDispatcher({
    registry,
    events: deps.events,
    logger: deps.logger,
    rescanMs: WEBHOOK_RESCAN_MS,
    worker: {
      store: deps.store,
      log: deliveryLog,
      sender: new WebhookSender(guard),
      settings: webhookSettings,
      logger: deps.logger,
      clock: () => deps.write.clock().getTime(),
      random: Math.random,
      observer,
      disable: async (id, reason) => {
        const disabled = await registry.update(
          id,
          (current) => (current ? { ...current, enabled: false, disabledReason: reason, updatedAt: deps.write.clock().toISOString() } : null),
          {
            action: 'update',
            author: null,
            operatorIp: null,
            comment: `disable webhook ${id}: ${reason}`,
          },
        );
        if (disabled) await recordWebhookChange(adminLog, registry, cairnItself, disabled.namespace, id, `disable webhook ${id}: ${reason}`);
      },
    },
  });
  const overlays = new OverlayService(access);
  const audit = new AuditQuery(access);
  const rolloutSettings = deps.rollouts ?? DEFAULT_ROLLOUT_SETTINGS;
  const clock = (): number => deps.write.clock().getTime();
  const instanceRegistry = new InstanceRegistry({
    ttlMs: rolloutSettings.instanceTtlMs,
    maxInstances: rolloutSettings.maxInstances,
    maxPerNamespace: rolloutSettings.maxInstancesPerNamespace,
    clock,
  });
  // Rollout transitions and automatic rollbacks are Cairn's own decisions: its committer identity makes them.
  const driver = cairnItself;
  const environmentEvents = new EnvironmentEvents();
  instanceRegistry.onChange((instance) =>
    environmentEvents.publish({ kind: 'instance', namespace: instance.namespace, environment: instance.environment, instance }),
  );
  const rollouts = new RolloutService(access, pipeline, instanceRegistry, driver, clock, environmentEvents, (error, namespace, environment) =>
    deps.logger.warn({ err: error, namespace, environment }, 'the rollout driver could not move a rollout on; it tries again next tick'),
  );
  followReplicatedReleases(deps.store, environmentEvents, rollouts, deps.logger);
  const environments = new EnvironmentService(
    access,
    pipeline,
    (namespace, environment, commit, rollout) => {
      environmentEvents.publish({ kind: 'release', namespace, environment, commit });
      if (rollout) rollouts.watch(namespace, environment);
    },
    (namespace, environment, version) =>
      instanceRegistry
        .list(namespace, environment)
        .filter((i) => i.status === 'FAILED' && i.version === version)
        .map((i) => i.id),
    clock,
  );
  return {
    secrets,
    secretRotation: new SecretRotation(pipeline, deps.write.secrets ?? null),
    secretsKey: deps.write.secrets ? new SecretsKeyRecord(deps.store, pipeline, deps.write.secrets, cairnItself) : null,
    namespaces: new NamespaceService(access),
    documents: new DocumentReader(access),
    history: new History(access),
    audit,
    auditAcross: new AuditAcross(access, audit),
    diffs: new DiffService(access),
    updates: new UpdateService(pipeline),
    rollbacks: new RollbackService(pipeline),
    reverts: new RevertService(pipeline, deps.revert ?? {}),
    imports: new ImportHistoryService(pipeline, access),
    proposals: new ProposalService(access, pipeline, deps.write.clock, proposalEvents, environments),
    proposalEvents,
    feed,
    integrity: new IntegrityService(access),
    webhooks: new WebhookService(access, registry, deliveryLog, webhookDispatcher, guard, deps.write.clock, adminLog),
    serviceTokens: new ServiceTokenService(new ServiceTokenRegistry(deps.store, pipeline), deps.write.clock),
    overlays,
    tags: new TagService(access, deps.write.clock, adminLog),
    environments,
    rollouts,
    instances: new InstanceService(access, instanceRegistry, rollouts, overlays, environmentEvents, deps.instanceSharing ?? UNSHARED, clock),
    instanceRegistry,
    environmentDiff: new EnvironmentDiff(access, overlays),
    comparison: new ConfigComparison(overlays, environments),
    namespaceSignal: new NamespaceSignal(deps.store),
    rolloutDriver: new RolloutDriver(rollouts, deps.store, rolloutSettings.intervalMs),
    blame: new BlameService(access, deps.blame ?? {}),
    webhookDispatcher,
    etcd: deps.etcd
      ? new EtcdDelivery({
          port: deps.etcd.port,
          store: deps.store,
          overlays,
          pipeline,
          events: environmentEvents,
          settings: deps.etcd.settings,
          logger: deps.logger,
          clock: deps.write.clock,
          maxDocumentBytes: deps.write.maxDocumentBytes,
          secrets: deps.write.secrets ? secrets : null,
        })
      : null,
    async drain() {
      await Promise.all((await deps.store.opened()).map((repo) => repo.drain()));
      await feed.published();
    },
  };
}
