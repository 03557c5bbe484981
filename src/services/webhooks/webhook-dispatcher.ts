import { environmentOfBranch } from '../../domain/environment.js';
import { InvalidInputError } from '../../domain/errors.js';
import { type WebhookDefinition, encodeWebhookDefinition } from '../../domain/webhook.js';
import { COMMIT_TOPIC, type CommitNotice } from '../change-feed.js';
import type { Logger } from '../logger.js';
import { MainStream } from './main-stream.js';
import { ReleaseStream, webhookEnvironmentNames } from './release-stream.js';
import type { WebhookRegistry } from './webhook-registry.js';
import { type RedeliverOutcome, WebhookWorker, type WorkerContext } from './webhook-worker.js';

/**
 * Runs webhook deliveries. Behind an interface so that, with several replicas, exactly one of them runs it;
 * `stop` must be called when the server closes.
 */
export interface WebhookDispatcher {
  start(): Promise<void>;
  /** Stops every worker, aborting attempts in flight (their events are delivered again after a restart). */
  stop(): Promise<void>;
  /** Re-reads the definitions and starts, updates or stops workers to match; resolves once they do. */
  reload(): Promise<void>;
  /** Sends event `version` again: a commit of main, or of an environment the webhook takes releases of. */
  redeliver(webhookId: string, version: string): Promise<RedeliverOutcome>;
  /** Whether this process delivers webhooks now (replicas elect one). */
  readonly running: boolean;
  /** Where redeliveries go while this process does not deliver: the replica that does. */
  forwardRedeliveries(forward: RedeliverForwarder): void;
}

export type RedeliverForwarder = (request: { readonly webhookId: string; readonly namespace: string; readonly version: string }) => Promise<RedeliverOutcome>;

export interface DispatcherOptions {
  readonly registry: WebhookRegistry;
  /** The change feed's event target: commits wake the workers of their namespace. */
  readonly events: EventTarget;
  readonly worker: WorkerContext;
  readonly logger: Logger;
  /** How often every worker re-reads definitions and the index regardless of notifications. */
  readonly rescanMs: number;
}

interface Running {
  readonly worker: WebhookWorker;
  readonly encoded: string;
}

/**
 * One worker per webhook and stream in this process: main's commits, and the releases of each environment the
 * webhook takes (`<id>` and `<id>/<environment>`), woken by the change feed, by release branches moving, and by a
 * periodic rescan.
 */
export class LocalWebhookDispatcher implements WebhookDispatcher {
  private readonly workers = new Map<string, Running>();
  private reconciling: Promise<void> = Promise.resolve();
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private forwarder: RedeliverForwarder | null = null;

  constructor(private readonly options: DispatcherOptions) {
    // Release branches moved by this process or pulled from another wake the workers delivering them.
    options.worker.store.onRefMove((repo, ref) => {
      const environment = environmentOfBranch(ref);
      if (!environment || !this.started) return;
      const label = `environments/${environment}`;
      for (const { worker } of this.workers.values()) if (worker.namespace === repo.name && worker.stream.label === label) worker.commitArrived();
    });
  }

  get running(): boolean {
    return this.started;
  }

  forwardRedeliveries(forward: RedeliverForwarder): void {
    this.forwarder = forward;
  }

  private readonly onCommit = (event: Event): void => {
    const namespace = (event as CustomEvent<CommitNotice>).detail?.namespace;
    for (const { worker } of this.workers.values()) if (worker.namespace === namespace) worker.commitArrived();
  };

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.options.registry.onChange(() => void this.reload());
    this.options.events.addEventListener(COMMIT_TOPIC, this.onCommit);
    this.timer = setInterval(() => {
      // A failed reload is logged by reload(); the next rescan tries again.
      this.reload().then(
        () => {
          for (const { worker } of this.workers.values()) worker.poke();
        },
        () => undefined,
      );
    }, this.options.rescanMs);
    this.timer.unref();
    await this.reload();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    this.options.events.removeEventListener(COMMIT_TOPIC, this.onCommit);
    await this.reconciling;
    const running = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(running.map(({ worker }) => worker.stop()));
  }

  reload(): Promise<void> {
    const next = this.reconciling.then(() => this.reconcile());
    this.reconciling = next.catch((error: unknown) => this.options.logger.error({ err: error }, 'could not load webhook definitions'));
    return next;
  }

  async redeliver(webhookId: string, version: string): Promise<RedeliverOutcome> {
    const definition = this.started || !this.forwarder ? null : await this.options.registry.get(webhookId);
    if (definition && this.forwarder) return this.forwarder({ webhookId, namespace: definition.namespace, version });
    if (!this.workers.has(webhookId)) await this.reload();
    const workers = [...this.workers].filter(([key]) => key === webhookId || key.startsWith(`${webhookId}/`)).map(([, { worker }]) => worker);
    if (!workers.length) throw new InvalidInputError(`webhook ${webhookId} is not being delivered by this process`);
    for (const worker of workers) if (await worker.owns(version)) return worker.redeliver(version);
    throw new InvalidInputError(`${version} is not an event of webhook ${webhookId}: a commit of main, or of an environment it takes releases of`);
  }

  private async reconcile(): Promise<void> {
    if (!this.started) return;
    const definitions = await this.options.registry.all();
    const seen = new Set<string>();
    for (const definition of definitions) {
      const encoded = encodeWebhookDefinition(definition);
      const streams = [null, ...(await this.environmentsOf(definition))];
      for (const environment of streams) {
        const key = environment === null ? definition.id : `${definition.id}/${environment}`;
        seen.add(key);
        const running = this.workers.get(key);
        if (!running) {
          const { logger } = this.options.worker;
          const stream = environment === null ? new MainStream(definition.id, logger) : new ReleaseStream(definition.id, environment, logger);
          const worker = new WebhookWorker(definition, this.options.worker, stream);
          worker.start();
          this.workers.set(key, { worker, encoded });
        } else if (running.encoded !== encoded) {
          running.worker.update(definition);
          this.workers.set(key, { worker: running.worker, encoded });
        }
      }
    }
    const removed = [...this.workers].filter(([key]) => !seen.has(key));
    for (const [key] of removed) this.workers.delete(key);
    await Promise.all(removed.map(([, { worker }]) => worker.stop()));
  }

  /** The environments a webhook takes releases of (see webhookEnvironmentNames). */
  private async environmentsOf(definition: WebhookDefinition): Promise<string[]> {
    if (!definition.environments) return [];
    const repo = await this.options.worker.store.get(definition.namespace);
    if (!repo) return [];
    try {
      return await webhookEnvironmentNames(repo, definition.environments);
    } catch (error) {
      // A definitions file that does not read (pushed with git) delivers no releases until it is fixed.
      this.options.logger.warn({ err: error, webhook: definition.id }, 'could not read the environments of a webhook');
      return [];
    }
  }
}
