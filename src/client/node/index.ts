/**
 * `cairn/client` in Node: the browser library (../index.ts) with a file cache in `cacheDir` (the service starts with
 * its last good configuration while Cairn is down) and the `ws` package for the live feed (Node 20 has no WebSocket).
 */
import path from 'node:path';
import WebSocket from 'ws';
import { type CairnConfig, type ConnectOptions, type JsonValue, connectWith, targetOf } from '../connect.js';
import { MemoryCache } from '../snapshot.js';
import { cacheKey } from '../target.js';
import { FileCache } from './file-cache.js';
import { type CertificateAuthority, fetchTrusting, webSocketTrusting } from './private-ca.js';

export type { CairnConfig, ChangeInfo, ConnectOptions, JsonValue, Watcher } from '../connect.js';
export { CairnClientError } from '../client-error.js';
export { MemoryCache, type Snapshot, type SnapshotCache } from '../snapshot.js';
export { FileCache } from './file-cache.js';
export type { CertificateAuthority } from './private-ca.js';

export interface NodeConnectOptions extends ConnectOptions {
  /** A directory for the last good snapshot (one file per namespace, environment, cluster and instance followed). */
  readonly cacheDir?: string;
  /**
   * PEM certificate(s) of the CA that signed an https:// server's certificate (a private CA). It replaces Node's list
   * of public CAs for this connection (HTTP and the live feed's WSS); NODE_EXTRA_CA_CERTS adds to that list instead,
   * for the whole process. Ignored when `fetch` or `webSocket` are given: those connect as they do.
   */
  readonly ca?: CertificateAuthority;
}

export function connect(options: NodeConnectOptions): Promise<CairnConfig> {
  const cache = options.cacheDir ? new FileCache<JsonValue>(path.join(options.cacheDir, `${cacheKey(targetOf(options))}.json`)) : new MemoryCache<JsonValue>();
  const ca = options.ca;
  if (ca === undefined) return connectWith(options, { cache, webSocket: WebSocket });
  return connectWith({ ...options, fetch: options.fetch ?? fetchTrusting(ca) }, { cache, webSocket: webSocketTrusting(ca) });
}
