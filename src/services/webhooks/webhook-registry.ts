import { type CommitAction, formatCommitMessage } from '../../domain/commit-message.js';
import { StorageError } from '../../domain/errors.js';
import { type WebhookDefinition, decodeWebhookDefinition, encodeWebhookDefinition } from '../../domain/webhook.js';
import type { Signature } from '../../git/object-format.js';
import type { GitRepository } from '../../git/repository.js';
import type { RepositoryStore } from '../../git/repository-store.js';
import { storageFailureOf, withRemoteRetry } from '../remote-retry.js';

export interface Person {
  readonly name: string;
  readonly email: string;
}

/** Who changes a definition, and why: the commit's author, trailers and message. */
export interface DefinitionChange {
  readonly action: CommitAction;
  /** The operator; null for Cairn itself (an endpoint answering 410 Gone). */
  readonly author: Person | null;
  readonly operatorIp: string | null;
  readonly comment: string;
}

const DIRECTORY = 'webhooks/';

/**
 * Webhook definitions, one JSON file per webhook (`webhooks/<id>.json`) in the system repository. Every change
 * is a commit with the operator as author and Cairn trailers, so `git log` of `.cairn.git` is their audit trail.
 * Reads come from memory, reloaded whenever the system repository's head moved (another process, the git CLI).
 */
export class WebhookRegistry {
  private loaded: { head: string | null; definitions: ReadonlyMap<string, WebhookDefinition> } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly store: RepositoryStore,
    private readonly committer: Person,
    private readonly clock: () => Date,
  ) {}

  async all(): Promise<WebhookDefinition[]> {
    return [...(await this.definitions()).values()];
  }

  async get(id: string): Promise<WebhookDefinition | null> {
    return (await this.definitions()).get(id) ?? null;
  }

  async forNamespace(namespace: string): Promise<WebhookDefinition[]> {
    return (await this.all()).filter((d) => d.namespace === namespace).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Read-modify-write of one definition under the system repository's write lock: `change` sees the committed
   * definition (null if none) and returns the new one (null deletes it). Nothing is committed when it returns
   * the same object. Resolves with the stored result.
   */
  async update(id: string, change: (current: WebhookDefinition | null) => WebhookDefinition | null, how: DefinitionChange): Promise<WebhookDefinition | null> {
    const repo = await this.store.system();
    const attempt = async (): Promise<WebhookDefinition | null> => {
      const current = (await this.read(repo)).definitions.get(id) ?? null;
      const next = change(current);
      if (next === current) return current;
      const file = `${DIRECTORY}${id}.json`;
      await this.commit(repo, new Map([[file, next === null ? null : Buffer.from(encodeWebhookDefinition(next))]]), how);
      return next;
    };
    const giveUp = (): Error =>
      new StorageError('contention', 'other replicas kept changing webhook definitions at the same time; nothing was committed, try again');
    const result = await repo.exclusive(() => withRemoteRetry(repo, attempt, giveUp));
    this.loaded = null;
    for (const listener of this.listeners) listener();
    return result;
  }

  /** Called after every change made through this registry (the dispatcher reconciles its workers). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async definitions(): Promise<ReadonlyMap<string, WebhookDefinition>> {
    // Reading never creates the system repository: only the first webhook does.
    const repo = await this.store.systemIfExists();
    if (!repo) return new Map();
    await repo.syncIndex();
    return (await this.read(repo)).definitions;
  }

  private async read(repo: GitRepository): Promise<{ head: string | null; definitions: ReadonlyMap<string, WebhookDefinition> }> {
    const head = repo.head();
    if (this.loaded && this.loaded.head === (head?.oid ?? null)) return this.loaded;
    const definitions = new Map<string, WebhookDefinition>();
    if (head) {
      for (const blob of await repo.trees.listBlobs(head.tree, DIRECTORY)) {
        const definition = decodeWebhookDefinition(Buffer.from(await repo.objects.readBlob(blob.oid)).toString('utf8'));
        if (definition && blob.path === `${DIRECTORY}${definition.id}.json`) definitions.set(definition.id, definition);
      }
    }
    this.loaded = { head: head?.oid ?? null, definitions };
    return this.loaded;
  }

  private async commit(repo: GitRepository, files: ReadonlyMap<string, Uint8Array | null>, how: DefinitionChange): Promise<void> {
    const seconds = Math.floor(this.clock().getTime() / 1000);
    const sign = (who: Person): Signature => ({ name: who.name, email: who.email, timestamp: seconds, timezoneOffset: 0 });
    const message = formatCommitMessage(how.comment, { action: how.action, operatorIp: how.operatorIp, requestId: null, rollbackTo: null, reverts: null });
    try {
      await repo.commit({ parent: repo.head()?.oid ?? null, files, author: sign(how.author ?? this.committer), committer: sign(this.committer), message });
    } catch (error) {
      throw storageFailureOf(error) ?? error;
    }
  }
}
