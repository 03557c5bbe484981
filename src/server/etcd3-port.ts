import { type ComparatorBuilder, Etcd3, GRPCInvalidArgumentError, type IKeyValue, type Watcher } from 'etcd3';
import type { Logger } from 'pino';
import { type EtcdPort, type EtcdRange, type EtcdTxn, EtcdUnavailableError, type EtcdWatchListener } from '../services/etcd-port.js';
import type { EtcdSettings } from './settings.js';

/**
 * The etcd delivery's port on the `etcd3` package (gRPC). Every call has CAIRN_ETCD_TIMEOUT_MS to answer; failures are
 * EtcdUnavailableError (tried again later), except etcd refusing the request itself (too many operations in one
 * transaction, a request too large: InvalidArgument), which trying again would not change.
 */
export class Etcd3Port implements EtcdPort {
  private readonly client: Etcd3;

  constructor(
    settings: EtcdSettings,
    private readonly logger: Logger,
  ) {
    const timeoutMs = settings.timeoutMs;
    this.client = new Etcd3({
      hosts: [...settings.endpoints],
      dialTimeout: timeoutMs,
      // A deadline bounds each request; a stream (the watch) lives as long as it is wanted.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
      ...(settings.auth ? { auth: settings.auth } : {}),
    });
  }

  async range(prefix: string, limit: number): Promise<EtcdRange> {
    const response = await translated(this.client.getAll().prefix(prefix).limit(limit).exec());
    return {
      revision: Number(response.header.revision),
      entries: response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), modRevision: Number(kv.mod_revision) })),
      more: response.more,
    };
  }

  async txn(txn: EtcdTxn): Promise<{ succeeded: boolean; revision: number }> {
    let builder: ComparatorBuilder | null = null;
    for (const [key, revision] of txn.compare) builder = builder ? builder.and(key, 'Mod', '==', revision) : this.client.if(key, 'Mod', '==', revision);
    if (!builder) throw new Error('an etcd transaction of the delivery compares at least one key');
    const operations = [...[...txn.put].map(([key, value]) => this.client.put(key).value(value)), ...txn.delete.map((key) => this.client.delete().key(key))];
    const response = await translated(builder.then(...operations).commit());
    return { succeeded: response.succeeded, revision: Number(response.header.revision) };
  }

  async watch(prefix: string, listener: EtcdWatchListener): Promise<{ close(): Promise<void> }> {
    let closed = false;
    // Not awaited: with etcd down, creating the watch waits for it, and nothing else may wait on that.
    const created = this.client
      .watch()
      .prefix(prefix)
      .create()
      .then((watcher: Watcher) => {
        const changed = (deleted: boolean) => (kv: IKeyValue) => listener.changed(kv.key.toString(), Number(kv.mod_revision), deleted);
        watcher.on('put', changed(false));
        watcher.on('delete', changed(true));
        // Connected, the first time and after each reconnection: what happened in between is read again.
        watcher.on('connected', () => listener.resumed());
        watcher.on('disconnected', (error: Error) => this.logger.warn({ err: error, prefix }, 'etcd watch disconnected; it reconnects by itself'));
        watcher.on('error', (error: Error) => this.logger.error({ err: error, prefix }, 'etcd watch failed: edits made in etcd are not detected'));
        listener.resumed();
        if (closed) void watcher.cancel();
        return watcher;
      })
      .catch((error: unknown) => {
        if (!closed) this.logger.error({ err: error, prefix }, 'could not watch etcd: edits made in etcd are not detected');
        return null;
      });
    return {
      close: async () => {
        closed = true;
        // A watch still being created is cancelled as it comes; one never created is dropped with the client.
        const watcher = await Promise.race([created, new Promise<null>((resolve) => setTimeout(() => resolve(null), 100).unref())]);
        // Cancelling asks etcd: with etcd down it would wait for it, and shutdown does not.
        await Promise.race([watcher?.cancel().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      },
    };
  }

  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

async function translated<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof GRPCInvalidArgumentError) throw new Error(`etcd refused the request: ${error.message}`, { cause: error });
    throw new EtcdUnavailableError(`etcd: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
