import { randomUUID } from 'node:crypto';
import { isNamespaceName, validateNamespaceName } from '../domain/namespace-name.js';
import type { GitRemote } from '../git/remote.js';
import type { GitRepository } from '../git/repository.js';
import { type RepositoryStore, SYSTEM_REPOSITORY } from '../git/repository-store.js';
import type { Logger } from './logger.js';

export const HEADS_TOPIC = 'cairn:heads';

/** What one replica tells the others after it pushed: small, because each replica reads the commits from Git. */
export interface HeadAnnouncement {
  readonly replica: string;
  readonly namespace: string;
  readonly head: string;
}

export interface ReplicaSyncOptions {
  /** How often every namespace is compared with the remote, in case an announcement was lost; 0: never. */
  readonly pollMs: number;
}

/**
 * Keeps this replica's clones (and the system repository, where webhook definitions live) following the shared remote. A replica that pushed announces the new head on the
 * bus (Redis across replicas); the others pull that namespace, and the commits they pull reach their change feed
 * through the repository store like local ones, in history order. Announcements only say "look": the Git history
 * is what the feed is built from, so a lost or reordered message can delay an event but never drop or reorder it,
 * and the periodic poll catches up whatever no message announced.
 */
export class ReplicaSync {
  readonly replica = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private readonly following = new Set<Promise<void>>();
  private readonly listener = (e: Event): void => {
    const following = this.onAnnouncement((e as CustomEvent<HeadAnnouncement | null>).detail);
    this.following.add(following);
    void following.finally(() => this.following.delete(following));
  };

  constructor(
    private readonly store: RepositoryStore,
    private readonly remote: GitRemote,
    private readonly bus: EventTarget,
    private readonly logger: Logger,
    private readonly options: ReplicaSyncOptions,
  ) {}

  /** Catches up with every namespace on the remote, then follows announcements and polls. */
  async start(): Promise<void> {
    this.bus.addEventListener(HEADS_TOPIC, this.listener);
    await this.pollOnce();
    if (this.options.pollMs > 0) {
      this.timer = setInterval(() => {
        this.polling ??= this.pollOnce().finally(() => {
          this.polling = null;
        });
      }, this.options.pollMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.bus.removeEventListener(HEADS_TOPIC, this.listener);
    if (this.timer) clearInterval(this.timer);
    await Promise.all([this.polling, ...this.following]);
  }

  /** Called for commits this replica made (they are on the remote already). */
  announce(repo: GitRepository, head: string): void {
    const detail: HeadAnnouncement = { replica: this.replica, namespace: repo.name, head };
    this.bus.dispatchEvent(new CustomEvent(HEADS_TOPIC, { detail }));
  }

  private async onAnnouncement(announcement: HeadAnnouncement | null): Promise<void> {
    // Anything may be published on the channel: only a well-formed announcement of another replica counts.
    if (typeof announcement?.namespace !== 'string' || typeof announcement.head !== 'string' || announcement.replica === this.replica) return;
    try {
      const name = announcement.namespace === SYSTEM_REPOSITORY ? SYSTEM_REPOSITORY : validateNamespaceName(announcement.namespace);
      await this.follow(name, announcement.head);
    } catch (error) {
      this.logger.warn({ err: error, namespace: announcement.namespace, head: announcement.head }, 'could not follow an announced head; the next poll retries');
    }
  }

  /** Pulls `namespace` unless its head is already known here (many announcements, one pull each at most). */
  async follow(namespace: string, head: string): Promise<void> {
    // Found on the remote, not merely named in a message: a stranger's announcement creates nothing.
    const repo = await this.store.find(namespace);
    if (!repo || repo.mainCommit(head)) return;
    await repo.exclusive(async () => {
      if (!repo.mainCommit(head)) await repo.pull();
    });
  }

  private async pollOnce(): Promise<void> {
    let heads: Map<string, string>;
    try {
      heads = await this.remote.heads();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not list the remote; retrying at the next poll');
      return;
    }
    const system = await this.remote.head(this.remote.refOf(SYSTEM_REPOSITORY)).catch(() => null);
    if (system) heads.set(SYSTEM_REPOSITORY, system);
    for (const [namespace, head] of heads) {
      // Branches that are not namespaces (pushed there by hand) are none of Cairn's business.
      if (!isNamespaceName(namespace) && namespace !== SYSTEM_REPOSITORY) continue;
      try {
        await this.follow(namespace, head);
      } catch (error) {
        this.logger.warn({ err: error, namespace }, 'could not follow a namespace of the remote');
      }
    }
  }
}
