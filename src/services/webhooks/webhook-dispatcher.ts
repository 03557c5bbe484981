import { InvalidInputError } from '../../domain/errors.js';
import { encodeWebhookDefinition } from '../../domain/webhook.js';
import type { IndexedCommit } from '../../git/commit-index.js';
import type { ChangeEvent } from '../change-event.js';
import { CHANGE_TOPIC } from '../change-feed.js';
import type { Logger } from '../logger.js';
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
  redeliver(webhookId: string, commit: IndexedCommit): Promise<RedeliverOutcome>;
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

/** One worker per webhook in this process, woken by the change feed and by a periodic rescan. */
export class LocalWebhookDispatcher implements WebhookDispatcher {
  private readonly workers = new Map<string, Running>();
  private reconciling: Promise<void> = Promise.resolve();
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private forwarder: RedeliverForwarder | null = null;

  constructor(private readonly options: DispatcherOptions) {}

  get running(): boolean {
    return this.started;
  }

  forwardRedeliveries(forward: RedeliverForwarder): void {
    this.forwarder = forward;
  }

  private readonly onCommit = (event: Event): void => {
    const namespace = (event as CustomEvent<ChangeEvent>).detail?.namespace;
    for (const { worker } of this.workers.values()) if (worker.namespace === namespace) worker.commitArrived();
  };

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.options.registry.onChange(() => void this.reload());
    this.options.events.addEventListener(CHANGE_TOPIC, this.onCommit);
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
    this.options.events.removeEventListener(CHANGE_TOPIC, this.onCommit);
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

  async redeliver(webhookId: string, commit: IndexedCommit): Promise<RedeliverOutcome> {
    const definition = this.started || !this.forwarder ? null : await this.options.registry.get(webhookId);
    if (definition && this.forwarder) return this.forwarder({ webhookId, namespace: definition.namespace, version: commit.oid });
    if (!this.workers.has(webhookId)) await this.reload();
    const running = this.workers.get(webhookId);
    if (!running) throw new InvalidInputError(`webhook ${webhookId} is not being delivered by this process`);
    return running.worker.redeliver(commit);
  }

  private async reconcile(): Promise<void> {
    if (!this.started) return;
    const definitions = await this.options.registry.all();
    const seen = new Set<string>();
    for (const definition of definitions) {
      seen.add(definition.id);
      const encoded = encodeWebhookDefinition(definition);
      const running = this.workers.get(definition.id);
      if (!running) {
        const worker = new WebhookWorker(definition, this.options.worker);
        worker.start();
        this.workers.set(definition.id, { worker, encoded });
      } else if (running.encoded !== encoded) {
        running.worker.update(definition);
        this.workers.set(definition.id, { worker: running.worker, encoded });
      }
    }
    const removed = [...this.workers].filter(([id]) => !seen.has(id));
    for (const [id] of removed) this.workers.delete(id);
    await Promise.all(removed.map(([, { worker }]) => worker.stop()));
  }
}
