import { retryDelay } from '../../domain/retry-schedule.js';
import { type DeliveryAttempt, type DeliveryOutcome, type DeliveryTrigger, responseVerdict } from '../../domain/webhook-delivery.js';
import { signatureHeader } from '../../domain/webhook-signature.js';
import { type WebhookDefinition, webhookEventId } from '../../domain/webhook.js';
import type { GitRepository } from '../../git/repository.js';
import type { RepositoryStore } from '../../git/repository-store.js';
import type { Logger } from '../logger.js';
import type { DeliveryStream } from './delivery-stream.js';
import type { ServiceObserver } from '../service-observer.js';
import type { DeliveryLog } from './delivery-log.js';
import { Wakeup } from './wakeup.js';
import type { AttemptResult, WebhookSender } from './webhook-sender.js';

export interface DeliverySettings {
  /** Delays before each retry (ms); attempts = retries + 1. */
  readonly retrySchedule: readonly number[];
  readonly timeoutMs: number;
}

export interface WorkerContext {
  readonly store: RepositoryStore;
  readonly log: DeliveryLog;
  readonly sender: WebhookSender;
  readonly settings: DeliverySettings;
  readonly logger: Logger;
  readonly clock: () => number;
  /** Uniform in [0, 1): the retry jitter. */
  readonly random: () => number;
  /** Disables the webhook (a commit in the system repository) after its endpoint answered 410 Gone. */
  readonly disable: (webhookId: string, reason: string) => Promise<void>;
  /** Told of every attempt once it is logged (metrics). */
  readonly observer?: ServiceObserver;
}

/** `restarted`: it was the event being retried, a new round starts now. `queued`: an already delivered event, sent once more. */
export type RedeliverOutcome = 'restarted' | 'queued' | 'not-yet-due';

/** The event the worker is delivering: the first commit after the cursor that the webhook's filter matches. */
interface Pending {
  readonly oid: string;
  readonly attempt: number;
  /** Epoch ms before which the next attempt must not start. */
  readonly notBefore: number;
  /** The schedule ran out: waiting for a new commit, a redelivery or a change to the webhook. */
  readonly parked: boolean;
  /** Delivered, but the cursor did not move yet (its write failed): only the move is left to do. */
  readonly delivered: boolean;
}

export { EVENT_TYPE } from './main-stream.js';
const USER_AGENT = 'Cairn-Webhooks/1';
/** After an unexpected failure (the disk, a damaged repository), the loop pauses before trying again. */
const ERROR_PAUSE_MS = 5000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Delivers one webhook's events of one stream (main, or an environment's releases) in order, one request at a time.
 * The stream's cursor ref and its branch are the truth: each round looks for the first matching commit after the
 * cursor, so a missed notification, a restart or a crash only delays a delivery. The cursor moves after a 2xx, never past an undelivered event: at least once,
 * in order. A failed attempt is retried on the schedule; when it runs out the event is parked until a new commit
 * arrives, an admin redelivers it, or the webhook is changed.
 */
export class WebhookWorker {
  private readonly wakeup = new Wakeup();
  private readonly stopping = new AbortController();
  private readonly oneOffs: string[] = [];
  private pending: Pending | null = null;
  /** The newest log entry at start: a pending retry resumes where it was (attempt number and time). */
  private resumeFrom: DeliveryAttempt | null = null;
  private body: { oid: string; text: string } | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private definition: WebhookDefinition,
    private readonly ctx: WorkerContext,
    readonly stream: DeliveryStream,
  ) {}

  get id(): string {
    return this.definition.id;
  }

  get namespace(): string {
    return this.definition.namespace;
  }

  start(): void {
    this.running = this.run();
  }

  /** Aborts an attempt in flight (it is not logged, and the event is delivered again after a restart), then ends. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeup.wake();
    await this.running;
  }

  /** The definition changed: the pending event (if it still matches) starts a new round with the new settings. */
  update(definition: WebhookDefinition): void {
    this.definition = definition;
    if (!this.pending?.delivered) this.pending = null;
    this.wakeup.wake();
  }

  /** A commit landed in the namespace (or may have: the notification is a hint, the index is the truth). */
  commitArrived(): void {
    if (this.pending?.parked) this.pending = { ...this.pending, attempt: 1, notBefore: 0, parked: false };
    this.wakeup.wake();
  }

  /** A periodic look at the index, for commits nobody told us about (the git CLI, a missed notification). */
  poke(): void {
    this.wakeup.wake();
  }

  /** Whether `oid` is one of this worker's events (a commit of its stream). */
  async owns(oid: string): Promise<boolean> {
    return this.stream.owns(await this.repository(), oid);
  }

  async redeliver(oid: string): Promise<RedeliverOutcome> {
    if (this.pending?.oid === oid) {
      this.pending = { oid, attempt: 1, notBefore: 0, parked: false, delivered: this.pending.delivered };
      this.wakeup.wake();
      return 'restarted';
    }
    if (!(await this.stream.passed(await this.repository(), this.definition, oid))) return 'not-yet-due';
    this.oneOffs.push(oid);
    this.wakeup.wake();
    return 'queued';
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async repository(): Promise<GitRepository> {
    const repo = await this.ctx.store.get(this.definition.namespace);
    if (!repo) throw new Error(`namespace ${this.definition.namespace} of webhook ${this.definition.id} does not exist`);
    return repo;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const repo = await this.repository();
        this.resumeFrom = await this.ctx.log.lastInOrder(this.definition.id);
        while (!this.stopped) await this.step(repo);
      } catch (error) {
        this.ctx.logger.error(
          { err: error, webhook: this.definition.id, stream: this.stream.label },
          'webhook delivery failed unexpectedly; trying again shortly',
        );
        await this.wakeup.wait(ERROR_PAUSE_MS);
      }
    }
  }

  private async step(repo: GitRepository): Promise<void> {
    const oneOff = this.oneOffs.shift();
    if (oneOff) return this.deliverOnce(repo, oneOff);
    if (!this.definition.enabled) return this.wakeup.wait();
    if (!this.pending) {
      const next = await this.stream.next(repo, this.definition);
      if (!next) return this.wakeup.wait();
      this.pending = this.resumed(next);
    }
    await this.advance(repo, this.pending);
  }

  /** A pending event starts as the log left it: a scheduled retry keeps its number and time, a parked one stays parked. */
  private resumed(oid: string): Pending {
    const last = this.resumeFrom;
    this.resumeFrom = null;
    const fresh: Pending = { oid, attempt: 1, notBefore: 0, parked: false, delivered: false };
    if (!last || last.version !== oid) return fresh;
    if (last.outcome === 'retrying') return { ...fresh, attempt: last.attempt + 1, notBefore: Date.parse(last.nextAttemptAt ?? '') || 0 };
    if (last.outcome === 'failed') return { ...fresh, parked: true };
    return fresh;
  }

  private async advance(repo: GitRepository, pending: Pending): Promise<void> {
    if (pending.delivered) return this.delivered(repo, pending);
    if (pending.parked) return this.wakeup.wait();
    const wait = pending.notBefore - this.ctx.clock();
    if (wait > 0) return this.wakeup.wait(Math.min(wait, MAX_TIMER_MS));
    const { result, record } = await this.attempt(repo, pending.oid, pending.attempt, 'event');
    if (result.aborted) return;
    const verdict = responseVerdict(result.statusCode);
    if (verdict === 'delivered') {
      await record('delivered', null);
      return this.delivered(repo, pending);
    }
    if (verdict === 'gone') {
      await record('disabled', null);
      if (this.pending === pending) this.pending = null;
      return this.disable();
    }
    const delay = retryDelay(this.ctx.settings.retrySchedule, pending.attempt, this.ctx.random());
    const nextAt = delay === null ? null : this.ctx.clock() + delay;
    await record(nextAt === null ? 'failed' : 'retrying', nextAt);
    // A redelivery or a change to the webhook during the attempt replaced the pending event: theirs wins.
    if (this.pending !== pending) return;
    this.pending = nextAt === null ? { ...pending, parked: true } : { ...pending, attempt: pending.attempt + 1, notBefore: nextAt };
  }

  private async delivered(repo: GitRepository, pending: Pending): Promise<void> {
    if (this.pending?.oid === pending.oid) this.pending = { ...pending, delivered: true };
    await this.stream.delivered(repo, this.definition, pending.oid);
    if (this.pending?.oid === pending.oid) this.pending = null;
  }

  /** An admin's redelivery of an event the cursor already passed: one attempt, logged, the cursor untouched. */
  private async deliverOnce(repo: GitRepository, oid: string): Promise<void> {
    const { result, record } = await this.attempt(repo, oid, 1, 'redeliver');
    if (result.aborted) return;
    const verdict = responseVerdict(result.statusCode);
    await record(verdict === 'delivered' ? 'delivered' : verdict === 'gone' ? 'disabled' : 'failed', null);
    if (verdict === 'gone') await this.disable();
  }

  /** 410 Gone: recorded in the definition; this worker stops at once rather than when the change reaches it. */
  private async disable(): Promise<void> {
    const reason = `the endpoint answered 410 Gone on ${new Date(this.ctx.clock()).toISOString()}`;
    await this.ctx.disable(this.definition.id, reason);
    this.definition = { ...this.definition, enabled: false, disabledReason: reason };
  }

  /** One signed POST of the event `oid`; `record` then logs it with its outcome. */
  private async attempt(
    repo: GitRepository,
    oid: string,
    attempt: number,
    trigger: DeliveryTrigger,
  ): Promise<{ result: AttemptResult; record: (outcome: DeliveryOutcome, nextAt: number | null) => Promise<void> }> {
    const definition = this.definition;
    const eventId = webhookEventId(repo.name, oid);
    const body = await this.bodyOf(repo, oid);
    const started = this.ctx.clock();
    const timestamp = Math.floor(started / 1000);
    const secrets = [definition.secret];
    if (definition.previousSecret && Date.parse(definition.previousSecretExpiresAt ?? '') > started) secrets.push(definition.previousSecret);
    const result = await this.ctx.sender.send({
      url: definition.url,
      body,
      timeoutMs: this.ctx.settings.timeoutMs,
      signal: this.stopping.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, eventId, timestamp, body),
      },
    });
    const record = async (outcome: DeliveryOutcome, nextAt: number | null): Promise<void> => {
      const entry = {
        eventId,
        version: oid,
        attempt,
        trigger,
        at: new Date(started).toISOString(),
        ...pick(result),
        outcome,
        nextAttemptAt: nextAt === null ? null : new Date(nextAt).toISOString(),
      };
      await this.ctx.log.append(definition.id, entry);
      this.ctx.observer?.webhookDelivery({
        webhookId: definition.id,
        namespace: definition.namespace,
        statusCode: result.statusCode,
        outcome,
        trigger,
        latencyMs: result.latencyMs,
      });
      const fields = {
        webhook: definition.id,
        namespace: definition.namespace,
        eventId,
        attempt,
        trigger,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error,
        outcome,
      };
      if (outcome === 'delivered') this.ctx.logger.info(fields, 'webhook delivered');
      else this.ctx.logger.warn(fields, 'webhook delivery failed');
    };
    return { result, record };
  }

  /** The request body, built once for all the attempts of an event. */
  private async bodyOf(repo: GitRepository, oid: string): Promise<string> {
    if (this.body?.oid === oid) return this.body.text;
    const text = await this.stream.body(repo, oid);
    this.body = { oid, text };
    return text;
  }
}

function pick(result: AttemptResult): Pick<DeliveryAttempt, 'statusCode' | 'latencyMs' | 'error'> {
  return { statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error };
}
