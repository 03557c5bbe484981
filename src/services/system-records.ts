import type { CommitAction } from '../domain/commit-message.js';
import type { GitRepository } from '../git/repository.js';
import type { RepositoryStore } from '../git/repository-store.js';
import type { Actor } from './actor.js';
import type { WritePipeline } from './write-pipeline.js';

/** One kind of record Cairn keeps in the system repository, one JSON file per record: `<directory><id>.json`. */
export interface SystemRecordKind<T extends { readonly id: string }> {
  /** With its trailing slash, e.g. `webhooks/`. */
  readonly directory: string;
  /** The write request's operation (what an idempotency key is bound to). */
  readonly operation: string;
  /** The committed text of a record (parts of it may be encrypted on the way). */
  encode(record: T): Promise<string>;
  /** The record as kept in memory from its committed text; null when the text is no such record. */
  decode(text: string): Promise<T | null>;
}

/** Who changes a record, and why: the commit's author and message. */
export interface SystemRecordChange {
  readonly action: CommitAction;
  readonly actor: Actor;
  readonly comment: string;
}

/**
 * Records of one kind in the system repository (webhook definitions, service tokens), written through the write
 * pipeline with the system target: every change is a commit with its author, so `git log` of `.cairn.git` is their
 * audit trail. Reads come from memory, reloaded whenever the system repository's head moved (a pull from another
 * replica, another process, the git CLI).
 */
export class SystemRecords<T extends { readonly id: string }> {
  private loaded: { head: string | null; records: ReadonlyMap<string, T> } | null = null;
  private readonly listeners = new Set<() => void | Promise<void>>();

  constructor(
    private readonly store: RepositoryStore,
    private readonly pipeline: WritePipeline,
    private readonly kind: SystemRecordKind<T>,
  ) {}

  async all(): Promise<ReadonlyMap<string, T>> {
    // Reading never creates the system repository: only the first record written does.
    const repo = await this.store.systemIfExists();
    if (!repo) return new Map();
    await repo.syncIndex();
    return (await this.read(repo)).records;
  }

  /**
   * Read-modify-write of one record under the system repository's write lock: `change` sees the committed record
   * (null if none) and returns the new one (null deletes it). Nothing is committed when it returns the same object
   * or throws. Resolves with the result once every listener has taken the change.
   */
  async update(id: string, change: (current: T | null) => T | null, how: SystemRecordChange): Promise<T | null> {
    let result: T | null = null;
    await this.pipeline.write({
      actor: how.actor,
      target: this.pipeline.targets.system(),
      options: { expectedVersion: null, comment: how.comment },
      request: { operation: this.kind.operation, payload: [id] },
      plan: async (repo) => {
        const current = (await this.read(repo)).records.get(id) ?? null;
        result = change(current);
        const text = result === current ? undefined : result === null ? null : await this.kind.encode(result);
        return { action: how.action, files: new Map(text === undefined ? [] : [[`${this.kind.directory}${id}.json`, text]]) };
      },
    });
    this.loaded = null;
    await Promise.all([...this.listeners].map((listener) => listener()));
    return result;
  }

  /** Called (and awaited) after every change made through this process. */
  onChange(listener: () => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async read(repo: GitRepository): Promise<{ head: string | null; records: ReadonlyMap<string, T> }> {
    const head = repo.head();
    if (this.loaded && this.loaded.head === (head?.oid ?? null)) return this.loaded;
    const records = new Map<string, T>();
    if (head) {
      for (const blob of await repo.filesIn(head.tree, this.kind.directory)) {
        const record = await this.kind.decode(await repo.readText(blob.oid));
        if (record && blob.path === `${this.kind.directory}${record.id}.json`) records.set(record.id, record);
      }
    }
    this.loaded = { head: head?.oid ?? null, records };
    return this.loaded;
  }
}
