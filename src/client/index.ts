/**
 * Cairn's client library for browsers (and any runtime with fetch, WebSocket and Web Crypto): `connect()` follows one
 * namespace's configuration, keeps the last good snapshot in `localStorage` (else in memory), and never mixes two
 * versions. Node services import `cairn/client`, which resolves to ./node/index.ts (a file cache, the `ws` package).
 */
import { type CairnConfig, type ConnectOptions, type JsonValue, connectWith, targetOf } from './connect.js';
import { LocalStorageCache, MemoryCache, browserStorage } from './snapshot.js';
import { cacheKey } from './target.js';

export type { CairnConfig, ChangeInfo, ConnectOptions, JsonValue, Watcher } from './connect.js';
export { CairnClientError } from './client-error.js';
export { LocalStorageCache, MemoryCache, type Snapshot, type SnapshotCache } from './snapshot.js';

export function connect(options: ConnectOptions): Promise<CairnConfig> {
  const storage = browserStorage();
  const key = `cairn:${cacheKey(targetOf(options))}`;
  const cache = storage ? new LocalStorageCache<JsonValue>(key, storage) : new MemoryCache<JsonValue>();
  const webSocket = (globalThis as { WebSocket?: unknown }).WebSocket ?? null;
  return connectWith(options, { cache, webSocket });
}
