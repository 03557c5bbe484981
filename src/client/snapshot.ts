/**
 * One consistent version of what a consumer runs: every document it follows, all at `version`. Documents are the
 * server's effective documents (base + the cluster's overlay): parsed JSON values for the library, texts in their own
 * format for the agent's files.
 */
export interface Snapshot<D> {
  readonly version: string;
  readonly documents: Readonly<Record<string, D>>;
}

/** Where a consumer keeps its last good snapshot, so that it starts with it while the server cannot be reached. */
export interface SnapshotCache<D> {
  /** The snapshot saved last; null when there is none or it does not verify (then it is not used). */
  load(): Promise<Snapshot<D> | null>;
  save(snapshot: Snapshot<D>): Promise<void>;
}

/** The SHA-256 of a text, hex: Web Crypto, the same in Node (20+) and in browsers. */
export async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** A snapshot with its digest, as caches store it: a torn or edited copy does not verify and is not used. */
export async function sealed<D>(snapshot: Snapshot<D>): Promise<string> {
  const body = JSON.stringify(snapshot);
  return JSON.stringify({ sha256: await sha256(body), body });
}

/** The snapshot `text` (from sealed) holds, when its digest verifies; null otherwise. */
export async function unsealed<D>(text: string | null): Promise<Snapshot<D> | null> {
  if (text === null) return null;
  try {
    const seal = JSON.parse(text) as { sha256?: unknown; body?: unknown };
    if (typeof seal.body !== 'string' || seal.sha256 !== (await sha256(seal.body))) return null;
    const snapshot = JSON.parse(seal.body) as Partial<Snapshot<D>>;
    if (typeof snapshot.version !== 'string' || typeof snapshot.documents !== 'object' || snapshot.documents === null) return null;
    return { version: snapshot.version, documents: snapshot.documents };
  } catch {
    return null;
  }
}

/** A cache that lasts as long as the process (or the page): the default where nothing lasts longer. */
export class MemoryCache<D> implements SnapshotCache<D> {
  private kept: Snapshot<D> | null = null;

  async load(): Promise<Snapshot<D> | null> {
    return this.kept;
  }

  async save(snapshot: Snapshot<D>): Promise<void> {
    this.kept = snapshot;
  }
}

/** What the library needs of a browser's `localStorage` (the Web Storage API). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The page's `localStorage`; null outside browsers or where storage is disabled. */
export function browserStorage(): KeyValueStorage | null {
  try {
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage ?? null;
  } catch {
    return null;
  }
}

/** A browser's `localStorage` under one key: a frontend reloaded while Cairn is down still has its flags. */
export class LocalStorageCache<D> implements SnapshotCache<D> {
  constructor(
    private readonly key: string,
    private readonly storage: KeyValueStorage,
  ) {}

  async load(): Promise<Snapshot<D> | null> {
    return unsealed<D>(this.storage.getItem(this.key));
  }

  async save(snapshot: Snapshot<D>): Promise<void> {
    try {
      this.storage.setItem(this.key, await sealed(snapshot));
    } catch {
      // Storage full or disabled (private browsing): the memory copy still serves; nothing else to do.
    }
  }
}
