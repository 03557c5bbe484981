import type { CommitAction } from '../../domain/commit-message.js';
import { type ServiceToken, decodeServiceToken, encodeServiceToken } from '../../domain/service-token.js';
import type { RepositoryStore } from '../../git/repository-store.js';
import type { Actor } from '../actor.js';
import { SystemRecords } from '../system-records.js';
import type { WritePipeline } from '../write-pipeline.js';

/**
 * Service tokens, one JSON file per token (`service-tokens/<id>.json`) in the system repository (SystemRecords):
 * creation and revocation are commits with the admin as author, and `git log` of `.cairn.git` is their audit trail.
 */
export class ServiceTokenRegistry {
  private readonly records: SystemRecords<ServiceToken>;

  constructor(store: RepositoryStore, pipeline: WritePipeline) {
    this.records = new SystemRecords(store, pipeline, {
      directory: 'service-tokens/',
      operation: 'service-token',
      encode: (token) => Promise.resolve(encodeServiceToken(token)),
      decode: (text) => Promise.resolve(decodeServiceToken(text)),
    });
  }

  async all(): Promise<ServiceToken[]> {
    return [...(await this.records.all()).values()];
  }

  /**
   * Read-modify-write of one token under the system repository's write lock: `change` sees the committed record
   * (null if none) and returns the new one; nothing is committed when it returns the same object or throws. Answered
   * once this process authenticates with the change: a revoked token is refused from the answer on.
   */
  async update(
    id: string,
    change: (current: ServiceToken | null) => ServiceToken,
    how: { action: CommitAction; actor: Actor; comment: string },
  ): Promise<ServiceToken> {
    const result = await this.records.update(id, change, how);
    if (!result) throw new Error('the service token change planned nothing');
    return result;
  }

  /** Called (and awaited) after every creation and revocation made by this process. */
  onChange(listener: () => void | Promise<void>): () => void {
    return this.records.onChange(listener);
  }
}
