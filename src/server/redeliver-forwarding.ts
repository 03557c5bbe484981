import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { InvalidInputError } from '../domain/errors.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { RedeliverForwarder, WebhookDispatcher } from '../services/webhooks/webhook-dispatcher.js';
import type { RedeliverOutcome } from '../services/webhooks/webhook-worker.js';

export const REDELIVER_REQUEST_TOPIC = 'cairn:redeliver';
export const REDELIVER_REPLY_TOPIC = 'cairn:redeliver:reply';

interface RedeliverRequest {
  readonly id: string;
  readonly webhookId: string;
  readonly namespace: string;
  readonly version: string;
}

interface RedeliverReply {
  readonly id: string;
  readonly outcome?: RedeliverOutcome;
  readonly error?: string;
}

/**
 * `redeliver` works on every replica: one that does not deliver webhooks asks over the bus, and the replica that
 * does (the lease holder) runs it and answers. Nobody answering within the timeout means nobody delivers now.
 */
export class RedeliverForwarding {
  private readonly waiting = new Map<string, (reply: RedeliverReply) => void>();
  private readonly onRequest = (e: Event): void => void this.answer((e as CustomEvent<RedeliverRequest>).detail);
  private readonly onReply = (e: Event): void => {
    const reply = (e as CustomEvent<RedeliverReply>).detail;
    this.waiting.get(reply?.id)?.(reply);
  };

  constructor(
    private readonly bus: EventTarget,
    private readonly dispatcher: WebhookDispatcher,
    private readonly store: RepositoryStore,
    private readonly logger: Logger,
    private readonly timeoutMs = 5_000,
  ) {}

  start(): void {
    this.bus.addEventListener(REDELIVER_REQUEST_TOPIC, this.onRequest);
    this.bus.addEventListener(REDELIVER_REPLY_TOPIC, this.onReply);
    this.dispatcher.forwardRedeliveries(this.forward);
  }

  stop(): void {
    this.bus.removeEventListener(REDELIVER_REQUEST_TOPIC, this.onRequest);
    this.bus.removeEventListener(REDELIVER_REPLY_TOPIC, this.onReply);
  }

  private readonly forward: RedeliverForwarder = (request) => {
    const id = randomUUID();
    return new Promise<RedeliverOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new InvalidInputError('no replica is delivering webhooks right now (CAIRN_WEBHOOK_DELIVERY off everywhere, or Redis unreachable); try again later'),
        );
      }, this.timeoutMs);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (reply.outcome) resolve(reply.outcome);
        else reject(new InvalidInputError(reply.error ?? 'the delivering replica refused the redelivery'));
      });
      this.bus.dispatchEvent(new CustomEvent(REDELIVER_REQUEST_TOPIC, { detail: { id, ...request } satisfies RedeliverRequest }));
    });
  };

  private async answer(request: RedeliverRequest): Promise<void> {
    if (!request?.id || !this.dispatcher.running) return;
    let reply: RedeliverReply;
    try {
      const repo = await this.store.find(request.namespace);
      if (!repo) throw new InvalidInputError(`namespace ${request.namespace} does not exist`);
      // A commit made elsewhere and not pulled here yet (of main, or of a release branch) is pulled first.
      if (!repo.mainCommit(request.version)) await repo.exclusive(() => repo.pull());
      reply = { id: request.id, outcome: await this.dispatcher.redeliver(request.webhookId, request.version) };
    } catch (error) {
      if (!(error instanceof InvalidInputError)) this.logger.error({ err: error, webhook: request.webhookId }, 'forwarded redelivery failed');
      reply = { id: request.id, error: error instanceof InvalidInputError ? error.message : 'the delivering replica could not redeliver' };
    }
    this.bus.dispatchEvent(new CustomEvent(REDELIVER_REPLY_TOPIC, { detail: reply }));
  }
}
