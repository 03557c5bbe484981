import type { DriftPolicy, EtcdDrift } from '../domain/etcd-drift.js';
import { environmentOfBranch, releaseBranch } from '../domain/environment.js';
import { environmentPrefix, versionKeyOf } from '../domain/etcd-keys.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { Actor } from './actor.js';
import { EtcdCapture } from './etcd-capture.js';
import { EtcdContents } from './etcd-contents.js';
import { EtcdDriftWatch, type HeldRelease } from './etcd-drift-watch.js';
import type { EtcdPort } from './etcd-port.js';
import { EtcdPublisher, type PublicationStatus } from './etcd-publisher.js';
import type { EnvironmentEvents } from './environment-events.js';
import { definitionsAt } from './environments.js';
import { giveWay } from './event-loop-turn.js';
import type { Logger } from './logger.js';
import type { OverlayService } from './overlays.js';
import type { SecretReveal } from './secret-reveal.js';
import type { WritePipeline } from './write-pipeline.js';

/** The etcd settings (ETCD_SETTINGS in setting-declarations.ts; docs/etcd.md). */
export interface EtcdDeliverySettings {
  readonly root: string;
  readonly policy: DriftPolicy;
  readonly maxKeys: number;
  readonly maxTxnOps: number;
  readonly queueLength: number;
  /** Who captures: the author of capture commits. */
  readonly operator: { readonly name: string; readonly email: string };
}

export interface EtcdDeliveryDependencies {
  readonly port: EtcdPort;
  readonly store: RepositoryStore;
  readonly overlays: OverlayService;
  readonly pipeline: WritePipeline;
  readonly events: EnvironmentEvents;
  readonly settings: EtcdDeliverySettings;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly maxDocumentBytes: number;
  /** Decrypts secret values for etcd; null without a secrets key. */
  readonly secrets: SecretReveal | null;
}

/** An environment's etcd delivery as the API shows it. */
export interface EtcdEnvironmentState {
  readonly prefix: string;
  readonly versionKey: string;
  readonly policy: DriftPolicy;
  /** What etcd's version key held at the last check; null before one, or when etcd holds nothing there. */
  readonly held: HeldRelease | null;
  readonly publication: PublicationStatus;
  readonly drift: readonly EtcdDrift[];
}

/**
 * etcd as a delivery target (docs/etcd.md): every environment's published documents under
 * `<root><namespace>/<environment>/`, kept there by the publisher and watched for edits by the drift watch. Every
 * replica publishes what its release branches say (the compare-and-swap makes a second publication harmless and
 * leaves no gap when one replica goes), and every replica watches, so each answers for drift.
 */
export class EtcdDelivery {
  private readonly publisher: EtcdPublisher;
  private readonly drift: EtcdDriftWatch;
  private watch: { close(): Promise<void> } | null = null;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: EtcdDeliveryDependencies) {
    const { port, store, settings, logger } = deps;
    const contents = new EtcdContents(deps.overlays, settings.root, settings.maxKeys, deps.secrets);
    const actor: Actor = { operator: { ...settings.operator, grants: new Map([['*', 'admin' as const]]) }, ip: '' };
    const capture = new EtcdCapture(deps.pipeline, actor, deps.maxDocumentBytes);
    const clock = (): number => deps.clock().getTime();
    this.drift = new EtcdDriftWatch(port, store, contents, capture, deps.events, { ...settings, clock }, logger);
    this.publisher = new EtcdPublisher(port, store, contents, { ...settings, clock: deps.clock }, logger, (namespace, environment) =>
      this.drift.track(namespace, environment),
    );
  }

  /**
   * Follows every release branch (moved here or pulled from another replica), starts the watch, and queues each
   * environment's current state once in the background: etcd may have missed releases while Cairn or etcd was down.
   */
  start(): void {
    this.deps.store.onRefMove((repo, ref, oid) => {
      const environment = environmentOfBranch(ref);
      if (environment !== null && oid !== null) this.follow(repo.name, environment, oid);
    });
    this.scanning = this.startWatch().then(() => this.scan());
  }

  state(namespace: string, environment: string): EtcdEnvironmentState {
    const { root, policy } = this.deps.settings;
    return {
      prefix: environmentPrefix(root, namespace, environment),
      versionKey: versionKeyOf(root, namespace, environment),
      policy,
      held: this.drift.held(namespace, environment),
      publication: this.publisher.status(namespace, environment),
      drift: this.drift.drifts(namespace, environment),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.publisher.stop();
    await this.scanning;
    await this.watch?.close().catch(() => undefined);
    await this.drift.stop();
    await this.deps.port.close();
  }

  private follow(namespace: string, environment: string, tip: string): void {
    if (this.stopped) return;
    this.publisher.enqueue(namespace, environment, tip);
    this.drift.track(namespace, environment);
  }

  private async startWatch(): Promise<void> {
    try {
      this.watch = await this.deps.port.watch(this.deps.settings.root, {
        changed: (key, revision, deleted) => this.drift.changed(key, revision, deleted),
        resumed: () => this.drift.resumed(),
      });
    } catch (error) {
      this.deps.logger.error({ err: error, prefix: this.deps.settings.root }, 'could not watch etcd: edits made there are not detected');
    }
  }

  private async scan(): Promise<void> {
    for (const namespace of await this.deps.store.list().catch(() => [])) {
      if (this.stopped) return;
      try {
        const repo = await this.deps.store.get(namespace);
        if (!repo) continue;
        for (const { name } of await definitionsAt(repo, repo.head())) {
          const tip = await repo.readRef(releaseBranch(name));
          if (tip) this.follow(namespace, name, tip);
        }
      } catch (error) {
        this.deps.logger.warn({ err: error, namespace }, 'could not read the environments to publish to etcd');
      }
      await giveWay();
    }
  }
}
