import { setMaxListeners } from 'node:events';
import { setImmediate } from 'node:timers';
import type { CommitAction } from '../domain/commit-message.js';
import { InvalidInputError, InvalidRefError } from '../domain/errors.js';
import { isNullVersion } from '../domain/null-version.js';
import type { IndexedCommit } from '../git/commit-index.js';
import type { GitRepository } from '../git/repository.js';
import { gitFailure } from './git-failure.js';
import type { Actor } from './actor.js';
import { createBlobSource } from './blob-source.js';
import { type ChangeEvent, MAX_EVENT_DOCUMENT_BYTES, buildChangeEvent } from './change-event.js';
import { type SlowSubscriberError, UnknownSinceError } from './feed-errors.js';
import { CommitFilter } from './feed-filter.js';
import { BEFORE_FIRST_COMMIT, CHANGE_TOPIC, FeedSubscription, type FeedStart } from './feed-subscription.js';
import type { Logger } from './logger.js';
import type { NamespaceAccess } from './namespace-access.js';

export { CHANGE_TOPIC } from './feed-subscription.js';

/**
 * A commit reached main (detail: `{ namespace, version }`), for listeners that only need to know that (the webhook
 * workers read what they deliver from Git): sent for every commit, costing nothing to build.
 */
export const COMMIT_TOPIC = 'cairn:commits';

/** Subscriptions handed an event before the fan-out gives the event loop a turn. */
const FAN_OUT_SLICE = 50;

export interface CommitNotice {
  readonly namespace: string;
  readonly version: string;
}

export interface FeedFilter {
  readonly namespace?: string | null;
  /** Events with at least one document whose path starts with this prefix. */
  readonly pathPrefix?: string | null;
  readonly actions?: readonly CommitAction[] | null;
  /** Replay every commit after this version (NULL_VERSION: from the first commit), then continue live. Needs `namespace`. */
  readonly since?: string | null;
}

export interface FeedOptions {
  /** Undelivered events one subscriber may have before it is disconnected (CAIRN_FEED_MAX_BUFFERED_EVENTS). */
  readonly maxBufferedEvents: number;
  /** Per document, above this many bytes of changes, patch and values an event says `tooLarge` (CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES). */
  readonly maxDocumentEventBytes?: number;
}

export interface SubscribeOptions {
  /** Called once when the subscriber overflows its buffer, before it reads again: the transport disconnects it. */
  readonly onOverflow?: ((error: SlowSubscriberError) => void) | undefined;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = { maxBufferedEvents: 10_000, maxDocumentEventBytes: MAX_EVENT_DOCUMENT_BYTES };

/**
 * The change feed. Events travel over an EventTarget (in-process by default, Redis across replicas); each
 * subscriber reads them through its own bounded buffer (see FeedSubscription), so none can slow the writers or
 * another subscriber.
 */
export class ChangeFeed {
  private readonly publishing = new Map<string, Promise<void>>();
  private readonly live = new Set<FeedSubscription>();
  private built = 0;
  /** Live events handed to the subscriptions, one event after the other (see fanOut). */
  private fanningOut: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: EventTarget,
    private readonly access: NamespaceAccess,
    private readonly logger: Logger,
    private readonly options: FeedOptions = DEFAULT_FEED_OPTIONS,
  ) {
    // Listeners of commits (webhook workers) come and go with the dispatchers: not a leak.
    setMaxListeners(1_000_000, target);
    target.addEventListener(CHANGE_TOPIC, (e) => {
      const event = (e as CustomEvent<ChangeEvent>).detail;
      // A failed fan-out must not stop the ones after it: subscribers see the gap and replay it from the index.
      this.fanningOut = this.fanningOut
        .then(() => this.fanOut(event))
        .catch((error: unknown) => this.logger.error({ err: error, namespace: event.namespace, version: event.version }, 'could not hand out change event'));
    });
  }

  /**
   * Hands one event to every live subscription, FAN_OUT_SLICE at a time with a turn of the event loop between:
   * each slice's subscribers are written to before the next slice starts, so what a delivery allocates dies young
   * (a thousand deliveries in flight at once kept every one alive across scavenges, and garbage collection took a
   * third of the fan-out), the first subscribers are served sooner, and other requests get in between.
   */
  private async fanOut(event: ChangeEvent): Promise<void> {
    // Taken after the event reached the index: one attaching later replayed it or expects a later sequence, as one
    // attaching after a synchronous dispatch would. Ones that left meanwhile are skipped.
    const subscriptions = [...this.live];
    for (let i = 0; i < subscriptions.length; i += FAN_OUT_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const subscription of subscriptions.slice(i, i + FAN_OUT_SLICE)) if (this.live.has(subscription)) subscription.receive(event);
    }
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

  /** Subscriptions receiving live events (a resumed one counts once its replay caught up). */
  get liveSubscriptions(): number {
    return this.live.size;
  }

  /** Change events built so far: one per commit while someone listens live, none while nobody does. */
  get eventsBuilt(): number {
    return this.built;
  }

  /** Resolves when every event published so far was dispatched (graceful shutdown, tests). */
  async published(): Promise<void> {
    await Promise.all(this.publishing.values());
    await this.fanningOut;
  }

  private async dispatch(repo: GitRepository, commitOid: string): Promise<void> {
    try {
      const commit = repo.mainCommit(commitOid);
      if (!commit) return;
      this.target.dispatchEvent(new CustomEvent<CommitNotice>(COMMIT_TOPIC, { detail: { namespace: repo.name, version: commit.oid } }));
      // Building an event reads and diffs every document the commit changed (seconds for a large YAML document): only
      // for someone listening now. One who subscribes later replays from the index; one who was attaching meanwhile
      // sees the gap in sequence numbers and replays it.
      if (this.live.size === 0) return;
      const event = await buildChangeEvent(repo, commit, createBlobSource(), this.maxDocumentEventBytes);
      this.built += 1;
      this.target.dispatchEvent(new CustomEvent(CHANGE_TOPIC, { detail: event }));
    } catch (error) {
      // Subscribers notice the missing sequence number with the next event and replay it from the index.
      this.logger.error({ err: error, namespace: repo.name, version: commitOid }, 'could not publish change event');
    }
  }

  async subscribe(actor: Actor, filter: FeedFilter, options: SubscribeOptions = {}): Promise<AsyncIterableIterator<ChangeEvent>> {
    const repo = filter.namespace ? await this.access.open(actor, filter.namespace, 'viewer') : null;
    if (filter.since && !repo) throw new InvalidInputError('since needs a namespace');
    const commits = new CommitFilter(filter.pathPrefix, filter.actions);
    const since = repo && filter.since ? await this.sinceCommit(repo, filter.since) : null;
    return new FeedSubscription(
      { actor, repo, filter: commits, since },
      {
        access: this.access,
        logger: this.logger,
        maxBufferedEvents: this.options.maxBufferedEvents,
        maxDocumentEventBytes: this.maxDocumentEventBytes,
        live: this.live,
        onOverflow: options.onOverflow,
      },
    );
  }

  private get maxDocumentEventBytes(): number {
    return this.options.maxDocumentEventBytes ?? MAX_EVENT_DOCUMENT_BYTES;
  }

  /**
   * `since` must name a commit of main's history: anything else is an error, never a silent gap. With replicas, a
   * version made elsewhere that this replica has not pulled yet is pulled first.
   */
  private async sinceCommit(repo: GitRepository, since: string): Promise<FeedStart> {
    if (isNullVersion(since)) return BEFORE_FIRST_COMMIT;
    const found = await this.findCommit(repo, since);
    if (found instanceof IndexedCommitMissing && found.reason === 'unknown' && repo.upstream) {
      await repo
        .exclusive(() => repo.pull())
        .catch((error: unknown) => {
          throw gitFailure(error);
        });
      const pulled = await this.findCommit(repo, since);
      if (!(pulled instanceof IndexedCommitMissing)) return pulled;
    }
    if (found instanceof IndexedCommitMissing) throw new UnknownSinceError(repo.name, since, found.reason);
    return found;
  }

  private async findCommit(repo: GitRepository, since: string): Promise<IndexedCommit | IndexedCommitMissing> {
    let oid: string;
    try {
      oid = await repo.resolve(since);
    } catch (error) {
      if (error instanceof InvalidRefError) return new IndexedCommitMissing(error.reason);
      throw error;
    }
    return repo.mainCommit(oid) ?? new IndexedCommitMissing('unknown');
  }
}

class IndexedCommitMissing {
  constructor(readonly reason: 'unknown' | 'ambiguous' | 'malformed') {}
}
