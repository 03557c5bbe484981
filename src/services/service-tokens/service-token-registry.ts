import type { CommitAction } from '../../domain/commit-message.js';
import { type ServiceToken, decodeServiceToken, encodeServiceToken } from '../../domain/service-token.js';
import type { GitRepository } from '../../git/repository.js';
import type { RepositoryStore } from '../../git/repository-store.js';
import type { Actor } from '../actor.js';
import type { WritePipeline } from '../write-pipeline.js';

const DIRECTORY = 'service-tokens/';

type Records = ReadonlyMap<string, ServiceToken>;

/**
 * Service tokens, one JSON file per token (`service-tokens/<id>.json`) in the system repository, written through the
 * write pipeline with the system target: creation and revocation are commits with the admin as author, and `git log`
 * of `.cairn.git` is their audit trail. Reads come from memory, reloaded whenever the system repository's head moved
 * (a pull from another replica, the git CLI).
 */
export class ServiceTokenRegistry {
  private loaded: { head: string | null; tokens: Records } | null = null;
  private readonly listeners = new Set<() => void | Promise<void>>();

  constructor(
    private readonly store: RepositoryStore,
    private readonly pipeline: WritePipeline,
  ) {}

  async all(): Promise<ServiceToken[]> {
    // Reading never creates the system repository: only the first webhook or token does.
    const repo = await this.store.systemIfExists();
    if (!repo) return [];
    await repo.syncIndex();
    return [...(await this.read(repo)).tokens.values()];
  }

  /**
   * Read-modify-write of one token under the system repository's write lock: `change` sees the committed record
   * (null if none) and returns the new one; nothing is committed when it returns the same object or throws.
   */
  async update(
    id: string,
    change: (current: ServiceToken | null) => ServiceToken,
    how: { action: CommitAction; actor: Actor; comment: string },
  ): Promise<ServiceToken> {
    let result: ServiceToken | null = null;
    await this.pipeline.write({
      actor: how.actor,
      target: this.pipeline.targets.system(),
      options: { expectedVersion: null, comment: how.comment },
      request: { operation: 'service-token', payload: [id] },
      plan: async (repo) => {
        const current = (await this.read(repo)).tokens.get(id) ?? null;
        const next = change(current);
        result = next;
        return { action: how.action, files: new Map(next === current ? [] : [[`${DIRECTORY}${id}.json`, encodeServiceToken(next)]]) };
      },
    });
    this.loaded = null;
    // Answered once this process authenticates with the change: a revoked token is refused from the answer on.
    await this.changed();
    if (!result) throw new Error('the service token change planned nothing');
    return result;
  }

  /** Called (and awaited) after every change made here. */
  onChange(listener: () => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async changed(): Promise<void> {
    await Promise.all([...this.listeners].map((listener) => listener()));
  }

  private async read(repo: GitRepository): Promise<{ head: string | null; tokens: Records }> {
    const head = repo.head();
    if (this.loaded && this.loaded.head === (head?.oid ?? null)) return this.loaded;
    const tokens = new Map<string, ServiceToken>();
    if (head) {
      for (const blob of await repo.filesIn(head.tree, DIRECTORY)) {
        const token = decodeServiceToken(await repo.readText(blob.oid));
        if (token && blob.path === `${DIRECTORY}${token.id}.json`) tokens.set(token.id, token);
      }
    }
    this.loaded = { head: head?.oid ?? null, tokens };
    return this.loaded;
  }
}
