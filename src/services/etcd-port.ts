/**
 * What the etcd delivery needs of an etcd cluster (the server's Etcd3Port implements it with the `etcd3` package):
 * read a prefix at one revision, apply one transaction guarded by modification revisions, and watch a prefix. Keys
 * and values are UTF-8 text.
 */
export interface EtcdPort {
  /** Every key under `prefix` at one revision, at most `limit` of them (`more` when there were others). */
  range(prefix: string, limit: number): Promise<EtcdRange>;
  /** One etcd transaction: applied only if every compared key still has its modification revision. */
  txn(txn: EtcdTxn): Promise<{ readonly succeeded: boolean; readonly revision: number }>;
  /**
   * Tells `listener` of every key changed under `prefix` from now on. After a lost connection the watch resumes by
   * itself; `resumed` then says that changes may have been missed (a compacted history), so the state is read again.
   */
  watch(prefix: string, listener: EtcdWatchListener): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface EtcdEntry {
  readonly key: string;
  readonly value: string;
  readonly modRevision: number;
}

export interface EtcdRange {
  /** The store's revision the read saw. */
  readonly revision: number;
  readonly entries: readonly EtcdEntry[];
  readonly more: boolean;
}

export interface EtcdTxn {
  /** Each key's modification revision must still be this (0: the key must not exist). */
  readonly compare: ReadonlyMap<string, number>;
  readonly put: ReadonlyMap<string, string>;
  readonly delete: readonly string[];
}

export interface EtcdWatchListener {
  /** `revision`: the put's modification revision, or the revision that deleted the key. */
  changed(key: string, revision: number, deleted: boolean): void;
  resumed(): void;
}

/**
 * etcd could not be reached or did not answer in time: the operation is tried again later. Any other error of a
 * publication is the configuration's own (an overlay that does not apply, too many keys) and is not retried.
 */
export class EtcdUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EtcdUnavailableError';
  }
}
