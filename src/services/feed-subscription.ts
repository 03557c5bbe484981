import { CairnError } from '../domain/errors.js';
import { NULL_VERSION } from '../domain/null-version.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import type { Actor } from './actor.js';
import { createBlobSource } from './blob-source.js';
import { type ChangeEvent, buildChangeEvent } from './change-event.js';
import { giveWay } from './event-loop-turn.js';
import { EventQueue } from './event-queue.js';
import type { Logger } from './logger.js';
import type { NamespaceAccess } from './namespace-access.js';
import { SlowSubscriberError } from './feed-errors.js';
import type { CommitFilter } from './feed-filter.js';

export const CHANGE_TOPIC = 'cairn:changes';

/** What one subscriber asked for, already checked: the namespace it may read (null: every readable one), its filter. */
export interface SubscriptionScope {
  readonly actor: Actor;
  readonly repo: GitRepository | null;
  readonly filter: CommitFilter;
  /** Replay every commit after this one first; null: live only. */
  readonly since: FeedStart | null;
}

/** A commit of the namespace, or the point before its first commit (NULL_VERSION, sequence -1). */
export interface FeedStart {
  readonly oid: string;
  readonly seq: number;
}

export const BEFORE_FIRST_COMMIT: FeedStart = { oid: NULL_VERSION, seq: -1 };

export interface SubscriptionSettings {
  readonly access: NamespaceAccess;
  readonly logger: Logger;
  readonly maxBufferedEvents: number;
  readonly maxDocumentEventBytes: number;
  /** Subscriptions receiving live events (see receive()): the feed hands each event to every one of them. */
  readonly live: Set<FeedSubscription>;
  /** Called once, as soon as the buffer overflows (the subscriber may not read again soon): the transport disconnects. */
  readonly onOverflow?: ((error: SlowSubscriberError) => void) | undefined;
}

/** Commits of a namespace that reached no subscriber as events (a failed publish, a commit made outside Cairn). */
interface Gap {
  readonly gap: true;
  readonly namespace: string;
  readonly from: number;
  readonly to: number;
}

type QueueItem = ChangeEvent | Gap;

function isGap(item: QueueItem): item is Gap {
  return 'gap' in item;
}

/**
 * One subscriber's stream. Events are stitched on each namespace's sequence numbers: with `since`, history is
 * replayed from the commit index first and the live listener is attached in the same tick as the last replayed
 * sequence, so live events the replay covered are dropped; a live event further ahead than expected means events
 * never arrived, and the missing commits are replayed from the index before it. No gap, no duplicate.
 */
export class FeedSubscription implements AsyncIterableIterator<ChangeEvent> {
  private readonly queue: EventQueue<QueueItem>;
  /** Next sequence number expected per namespace. */
  private readonly expected = new Map<string, number>();
  /** The last version handed to the transport (or where the subscription started): where a resume starts. */
  private resumeFrom: string | null;
  private readonly stream: AsyncGenerator<ChangeEvent>;

  constructor(
    private readonly scope: SubscriptionScope,
    private readonly settings: SubscriptionSettings,
  ) {
    // A namespace with no commit yet resumes from before its first one, not from "now".
    this.resumeFrom = scope.since?.oid ?? (scope.repo ? (scope.repo.head()?.oid ?? NULL_VERSION) : null);
    this.queue = new EventQueue<QueueItem>(settings.maxBufferedEvents, () => this.overflowed());
    if (!scope.since) this.attach(scope.repo?.versionCount());
    this.stream = this.run();
  }

  next(): Promise<IteratorResult<ChangeEvent>> {
    return this.stream.next();
  }

  /** A generator that was never started ignores return() and would never reach its finally: clean up here too. */
  async return(value?: unknown): Promise<IteratorResult<ChangeEvent>> {
    this.detach();
    await this.queue.return();
    return this.stream.return(value as undefined);
  }

  throw(error?: unknown): Promise<IteratorResult<ChangeEvent>> {
    return this.stream.throw(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChangeEvent> {
    return this;
  }

  private async *run(): AsyncGenerator<ChangeEvent> {
    try {
      const { repo, since } = this.scope;
      if (repo && since) yield* this.replayThenAttach(repo, since.seq + 1);
      for await (const item of this.queue) {
        if (isGap(item)) yield* this.fill(item);
        else yield this.delivered(item);
      }
    } catch (error) {
      if (!(error instanceof CairnError))
        this.settings.logger.error({ err: error, operator: this.scope.actor.operator.email }, 'change feed subscription failed');
      throw error;
    } finally {
      this.detach();
      await this.queue.return();
    }
  }

  /**
   * Re-reads the index size each round: commits landing during the replay are replayed too. Gives way inside the
   * loop: a transport's write completes without an I/O turn while the socket buffer has room, so a replay of
   * thousands of commits would otherwise hold the event loop until that buffer fills. The turn is taken after a
   * size check that passed, never between the last check and attach().
   */
  private async *replayThenAttach(repo: GitRepository, from: number): AsyncGenerator<ChangeEvent> {
    let next = from;
    for (; next < repo.versionCount(); next += 1) {
      await giveWay();
      const commit = repo.mainCommitAt(next);
      if (commit && this.scope.filter.acceptsCommit(commit)) yield this.delivered(await this.eventOf(repo, commit));
    }
    // Same tick as the last size check: any commit not replayed is published after this point.
    this.attach(next);
  }

  private async *fill(gap: Gap): AsyncGenerator<ChangeEvent> {
    const repo = this.scope.repo ?? (await this.settings.access.open(this.scope.actor, gap.namespace, 'viewer'));
    if (repo.versionCount() < gap.to) await repo.syncIndex();
    for (let seq = gap.from; seq < gap.to; seq += 1) {
      await giveWay();
      const commit = repo.mainCommitAt(seq);
      if (!commit) this.settings.logger.warn({ namespace: repo.name, sequence: seq }, 'change feed: commit missing from the index, not delivered');
      else if (this.scope.filter.acceptsCommit(commit)) yield this.delivered(await this.eventOf(repo, commit));
    }
  }

  private eventOf(repo: GitRepository, commit: IndexedCommit): Promise<ChangeEvent> {
    // A blob source per commit: its cache lives as long as the source, and a replay can be long.
    return buildChangeEvent(repo, commit, createBlobSource(), this.settings.maxDocumentEventBytes);
  }

  private delivered(event: ChangeEvent): ChangeEvent {
    this.resumeFrom = event.version;
    return event;
  }

  /** A live event, handed over by the feed (in commit order per namespace, to every live subscription). */
  receive(event: ChangeEvent): void {
    if (!this.inScope(event.namespace)) return;
    const expected = this.expected.get(event.namespace);
    if (expected !== undefined && event.sequence < expected) return;
    if (expected !== undefined && event.sequence > expected) this.queue.push({ gap: true, namespace: event.namespace, from: expected, to: event.sequence });
    this.expected.set(event.namespace, event.sequence + 1);
    if (this.scope.filter.acceptsEvent(event)) this.queue.push(event);
  }

  /** Access is checked on every event: a token's roles are read per event, not once at subscription. */
  private inScope(namespace: string): boolean {
    const { repo, actor } = this.scope;
    return (!repo || namespace === repo.name) && this.settings.access.canRead(actor, namespace);
  }

  /** `next`: the first sequence of the scoped namespace not yet delivered, when known. */
  private attach(next: number | undefined): void {
    if (this.scope.repo && next !== undefined) this.expected.set(this.scope.repo.name, next);
    this.settings.live.add(this);
  }

  private detach(): void {
    this.settings.live.delete(this);
  }

  private overflowed(): Error {
    this.detach();
    const namespace = this.scope.repo?.name ?? null;
    const error = new SlowSubscriberError(this.settings.maxBufferedEvents, namespace, namespace ? this.resumeFrom : null);
    this.settings.logger.warn(
      { operator: this.scope.actor.operator.email, namespace, resumeFrom: error.resumeFrom },
      'slow change feed subscriber disconnected',
    );
    // After the queue recorded its failure: the transport's reaction must find the subscription already failed.
    queueMicrotask(() => this.notifyOverflow(error));
    return error;
  }

  private notifyOverflow(error: SlowSubscriberError): void {
    try {
      this.settings.onOverflow?.(error);
    } catch (failure) {
      this.settings.logger.error({ err: failure }, 'could not disconnect a slow subscriber');
    }
  }
}
