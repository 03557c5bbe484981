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
  /** Main's new head, or with `ref` that ref's new value (DELETED: it was deleted). */
  readonly head: string;
  /** A side ref that moved (a release branch, a change request, a tag); absent: main moved. */
  readonly ref?: string;
}

/** The `head` of an announcement that a side ref was deleted. */
const DELETED = '0'.repeat(40);

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
    await this.catchUp();
    if (this.options.pollMs > 0) {
      this.timer = setInterval(() => {
        this.polling ??= this.catchUp().finally(() => {
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

  /** Called when a side ref of this replica moved (on the remote already). */
  announceRef(repo: GitRepository, ref: string, oid: string | null): void {
    const detail: HeadAnnouncement = { replica: this.replica, namespace: repo.name, head: oid ?? DELETED, ref };
    this.bus.dispatchEvent(new CustomEvent(HEADS_TOPIC, { detail }));
  }

  private async onAnnouncement(announcement: HeadAnnouncement | null): Promise<void> {
    // Anything may be published on the channel: only a well-formed announcement of another replica counts.
    if (typeof announcement?.namespace !== 'string' || typeof announcement.head !== 'string' || announcement.replica === this.replica) return;
    const ref = announcement.ref;
    if (ref !== undefined && typeof ref !== 'string') return;
    try {
      const name = announcement.namespace === SYSTEM_REPOSITORY ? SYSTEM_REPOSITORY : validateNamespaceName(announcement.namespace);
      // A side ref's announcement says nothing of main: only that ref's value is compared.
      if (ref === undefined) await this.follow(name, announcement.head);
      else await this.follow(name, null, new Map([[ref, announcement.head]]));
    } catch (error) {
      this.logger.warn({ err: error, namespace: announcement.namespace, head: announcement.head }, 'could not follow an announced head; the next poll retries');
    }
  }

  /**
   * Pulls `namespace` unless its head and the side refs' values in `sides` are known here already: many
   * announcements, one pull each at most. `head` null: main is not in question. `complete`: `sides` is every
   * side ref the remote has, so one only this replica has was deleted there.
   */
  async follow(namespace: string, head: string | null, sides: ReadonlyMap<string, string> = new Map(), complete = false): Promise<void> {
    // Found on the remote, not merely named in a message: a stranger's announcement creates nothing.
    const repo = await this.store.find(namespace);
    if (!repo) return;
    const behind = async (): Promise<boolean> => {
      if (head !== null && !repo.mainCommit(head)) return true;
      if (sides.size === 0 && !complete) return false;
      const local = await repo.sharedSideRefs();
      if (complete && [...local.keys()].some((ref) => !sides.has(ref))) return true;
      return [...sides].some(([ref, oid]) => (local.get(ref) ?? DELETED) !== oid);
    };
    if (!(await behind())) return;
    await repo.exclusive(async () => {
      if (await behind()) await repo.pull();
    });
  }

  /** Compares every namespace (main and side refs) with the remote and pulls those that differ. */
  async catchUp(): Promise<void> {
    let refs: Map<string, string>;
    try {
      refs = await this.remote.listRefs();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not list the remote; retrying at the next poll');
      return;
    }
    for (const [namespace, state] of namespacesIn(this.remote, refs)) {
      try {
        await this.follow(namespace, state.head, state.sides, namespace !== SYSTEM_REPOSITORY);
      } catch (error) {
        this.logger.warn({ err: error, namespace }, 'could not follow a namespace of the remote');
      }
    }
  }
}

/** Each namespace on the remote (branches that are not namespaces, pushed by hand, are none of Cairn's business) with its main head and side refs. */
function namespacesIn(remote: GitRemote, refs: ReadonlyMap<string, string>): Map<string, { head: string; sides: Map<string, string> }> {
  const found = new Map<string, { head: string; sides: Map<string, string> }>();
  for (const [ref, oid] of refs) {
    if (ref.startsWith('refs/heads/') && isNamespaceName(ref.slice('refs/heads/'.length)))
      found.set(ref.slice('refs/heads/'.length), { head: oid, sides: new Map() });
  }
  const system = refs.get(remote.refOf(SYSTEM_REPOSITORY));
  if (system) found.set(SYSTEM_REPOSITORY, { head: system, sides: new Map() });
  for (const [ref, oid] of refs) {
    // Only what replicas share: branches and tags (see GitRepository.sharedSideRefs).
    const match = /^refs\/namespaces\/([^/]+)\/(refs\/(?:heads|tags)\/.+)$/.exec(ref);
    const namespace = match?.[1] ? found.get(match[1]) : undefined;
    if (namespace && match?.[2]) namespace.sides.set(match[2], oid);
  }
  return found;
}
