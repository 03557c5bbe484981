import { setMaxListeners } from 'node:events';
import type { CommitAction } from '../domain/commit-message.js';
import { validatePathPrefix } from '../domain/document-path.js';
import { InvalidInputError, InvalidRefError } from '../domain/errors.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { createBlobSource } from './blob-source.js';
import { type ChangeEvent, buildChangeEvent } from './change-event.js';
import { EventQueue } from './event-queue.js';
import type { Logger } from './logger.js';
import type { NamespaceAccess } from './namespace-access.js';

export const CHANGE_TOPIC = 'cairn:changes';

export interface FeedFilter {
  readonly namespace?: string | null;
  readonly pathPrefix?: string | null;
  readonly actions?: readonly CommitAction[] | null;
  /** Replay every commit after this version, then continue live. Needs `namespace`. */
  readonly since?: string | null;
}

export interface FeedOptions {
  /** Undelivered events one subscriber may have before it is disconnected. @default 10000 */
  readonly maxBufferedEvents: number;
}

/**
 * The live change feed. Events travel over an EventTarget (in-process by default, Redis across replicas).
 * A resumed subscription listens first, then replays history from the index, then drops live events the replay
 * already covered (by sequence number): no gap and no duplicate across the switch.
 */
export class ChangeFeed {
  private readonly publishing = new Map<string, Promise<void>>();

  constructor(
    private readonly target: EventTarget,
    private readonly access: NamespaceAccess,
    private readonly logger: Logger,
    private readonly options: FeedOptions = { maxBufferedEvents: 10_000 },
  ) {
    // One listener per subscriber is the design, not a leak.
    setMaxListeners(1_000_000, target);
  }

  /**
   * Publishes a commit just made, off the writer's path: events are built (which reads blobs) and dispatched in
   * commit order per namespace, after the write was acknowledged. Never throws: the commit itself succeeded.
   */
  publish(repo: GitRepository, commitOid: string): void {
    const previous = this.publishing.get(repo.name) ?? Promise.resolve();
    const next = previous.then(() => this.dispatch(repo, commitOid));
    this.publishing.set(repo.name, next);
    void next.then(() => {
      if (this.publishing.get(repo.name) === next) this.publishing.delete(repo.name);
    });
  }

  /** Resolves when every event published so far was dispatched (graceful shutdown, tests). */
  async published(): Promise<void> {
    await Promise.all(this.publishing.values());
  }

  private async dispatch(repo: GitRepository, commitOid: string): Promise<void> {
    try {
      const commit = repo.index.get(commitOid);
      if (!commit) return;
      const event = await buildChangeEvent(repo, commit, createBlobSource());
      this.target.dispatchEvent(new CustomEvent(CHANGE_TOPIC, { detail: event }));
    } catch (error) {
      this.logger.error({ err: error, namespace: repo.name, version: commitOid }, 'could not publish change event');
    }
  }

  async subscribe(actor: Actor, filter: FeedFilter): Promise<AsyncIterableIterator<ChangeEvent>> {
    const repo = filter.namespace ? await this.access.open(actor, filter.namespace, 'viewer') : null;
    if (filter.since && !repo) throw new InvalidInputError('since needs a namespace');
    const prefix = filter.pathPrefix ? validatePathPrefix(filter.pathPrefix) : null;
    const sinceSeq = repo && filter.since ? await this.sequenceOf(repo, filter.since) : null;
    const matches = (event: ChangeEvent): boolean =>
      (!repo || event.namespace === repo.name) &&
      this.access.canRead(actor, event.namespace) &&
      (!filter.actions?.length || (event.action !== null && filter.actions.includes(event.action))) &&
      (!prefix || event.documents.some((d) => d.path.startsWith(prefix)));
    let lastDelivered: ChangeEvent | null = null;
    const queue = new EventQueue<ChangeEvent>(
      this.options.maxBufferedEvents,
      () => `subscriber fell more than ${this.options.maxBufferedEvents} events behind; resubscribe with since: "${lastDelivered?.version ?? ''}"`,
    );
    const listener = (e: Event): void => {
      const event = (e as CustomEvent<ChangeEvent>).detail;
      if (matches(event)) queue.push(event);
    };
    const target = this.target;
    if (sinceSeq === null) target.addEventListener(CHANGE_TOPIC, listener);
    async function* stream(): AsyncGenerator<ChangeEvent> {
      let next = (sinceSeq ?? Infinity) + 1;
      try {
        if (repo && sinceSeq !== null) {
          const blobs = createBlobSource();
          // Re-read the index size each round: commits landing during the replay are replayed too.
          for (; next < repo.index.size; next += 1) {
            const commit = repo.index.at(next);
            const event = commit ? await buildChangeEvent(repo, commit, blobs) : null;
            if (event && matches(event)) yield event;
          }
          // Same tick as the last size check: any commit not replayed is published after this point.
          target.addEventListener(CHANGE_TOPIC, listener);
        }
        for await (const event of queue) {
          if (repo && event.namespace === repo.name) {
            if (event.sequence < next && sinceSeq !== null) continue;
            next = event.sequence + 1;
          }
          lastDelivered = event;
          yield event;
        }
      } finally {
        target.removeEventListener(CHANGE_TOPIC, listener);
        await queue.return();
      }
    }
    const iterator = stream();
    // A generator that was never started ignores return() and would never reach its finally: clean up here too.
    const wrapped: AsyncIterableIterator<ChangeEvent> = {
      next: () => iterator.next(),
      return: async (value?: unknown) => {
        target.removeEventListener(CHANGE_TOPIC, listener);
        await queue.return();
        return iterator.return(value as undefined);
      },
      throw: (error?: unknown) => iterator.throw(error),
      [Symbol.asyncIterator]: () => wrapped,
    };
    return wrapped;
  }

  private async sequenceOf(repo: GitRepository, since: string): Promise<number> {
    const oid = await repo.resolver.resolve(since);
    const commit = repo.index.get(oid);
    if (!commit) throw new InvalidRefError(since, 'unknown');
    return commit.seq;
  }
}
