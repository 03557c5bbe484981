import fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import type { EncodedObject } from './object-format.js';
import { storePack } from './pack-store.js';
import { encodePack } from './pack-writer.js';
import { FLUSH, pktLine, readPktLines } from './pkt-line.js';

export interface RemoteSettings {
  /** One repository shared by every replica; each namespace is a branch of it (see `refOf`). */
  readonly url: string;
  readonly username: string | null;
  readonly password: string | null;
  /** Longest wait for one exchange with the remote. */
  readonly timeoutMs: number;
}

const ZERO_OID = '0'.repeat(40);

/** The remote's branch was not where this write expected it: another replica pushed first. */
export class RemoteMovedError extends Error {
  readonly code = 'REMOTE_MOVED';
  constructor(
    readonly ref: string,
    readonly reason: string,
  ) {
    super(`${ref} moved on the remote: ${reason}`);
  }
}

/** The remote could not be reached or answered something other than a ref update. */
export class RemoteUnavailableError extends Error {
  readonly code = 'REMOTE_UNAVAILABLE';
}

/**
 * The shared Git remote, spoken to over smart HTTP. One repository holds every namespace as a branch, so any Git
 * host works with one repository created once (GitHub, Gitea, `git http-backend`) and `git clone` of it shows
 * every namespace. Pushing a ref from its old value to a new one is the compare-and-swap between replicas:
 * receive-pack refuses the update when the ref no longer has the old value.
 */
export class GitRemote {
  constructor(private readonly settings: RemoteSettings) {}

  get url(): string {
    return this.settings.url;
  }

  /** Namespaces are branches; internal repositories (names starting with a dot) live outside refs/heads. */
  refOf(repository: string): string {
    return repository.startsWith('.') ? `refs/cairn/${repository.slice(1)}` : `refs/heads/${repository}`;
  }

  /** Every namespace the remote holds, with its head. */
  async heads(): Promise<Map<string, string>> {
    const refs = await this.guard('list refs', () =>
      git.listServerRefs({ http, url: this.settings.url, prefix: 'refs/heads/', onAuth: () => this.auth(), headers: this.headers() }),
    );
    return new Map(refs.map((r) => [r.ref.slice('refs/heads/'.length), r.oid]));
  }

  /**
   * Sends `objects` (every object of the new commit the remote lacks) and moves `ref` from `expected` to `oid`
   * (null: deletes it), or throws RemoteMovedError when the remote's ref is elsewhere. The objects are sent whole in one pack: a
   * commit's new objects are few and small.
   */
  async push(ref: string, objects: readonly EncodedObject[], oid: string | null, expected: string | null): Promise<void> {
    const command = `${expected ?? ZERO_OID} ${oid ?? ZERO_OID} ${ref}\0report-status delete-refs agent=cairn\n`;
    // A deletion carries no pack at all; an update of a ref to objects the remote has carries an empty one.
    const body = Buffer.concat([pktLine(command), FLUSH, ...(oid === null ? [] : [encodePack(objects)])]);
    const response = await this.guard('push', () =>
      fetch(`${this.base()}/git-receive-pack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-git-receive-pack-request', accept: 'application/x-git-receive-pack-result', ...this.headers() },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      }),
    );
    const report = Buffer.from(await response.arrayBuffer());
    if (!response.ok) throw new RemoteUnavailableError(`push to ${this.safeUrl()} failed: HTTP ${response.status}`);
    const lines = readPktLines(report).map((l) => l.toString('utf8').trimEnd());
    const unpack = lines.find((l) => l.startsWith('unpack '));
    if (unpack !== 'unpack ok') throw new RemoteUnavailableError(`the remote could not store the pack: ${unpack ?? 'no report'}`);
    const status = lines.find((l) => l === `ok ${ref}` || l.startsWith(`ng ${ref} `));
    if (status === `ok ${ref}`) return;
    if (status) throw new RemoteMovedError(ref, status.slice(`ng ${ref} `.length));
    throw new RemoteUnavailableError(`the remote did not report on ${ref}`);
  }

  /**
   * Sends a whole local history the remote does not have yet (a data directory that predates the remote), with
   * isomorphic-git's negotiating push. Only ever used once per namespace, so its cost does not matter.
   */
  async pushHistory(gitdir: string, localRef: string, ref: string): Promise<void> {
    await this.guard('push history', () =>
      git.push({ fs, http, gitdir, url: this.settings.url, ref: localRef, remoteRef: ref, onAuth: () => this.auth(), headers: this.headers() }),
    );
  }

  /** The remote's head of `ref`, or null when there is no such ref. */
  async head(ref: string): Promise<string | null> {
    const refs = await this.guard('list refs', () =>
      git.listServerRefs({ http, url: this.settings.url, prefix: ref, onAuth: () => this.auth(), headers: this.headers() }),
    );
    return refs.find((r) => r.ref === ref)?.oid ?? null;
  }

  /**
   * Fetches the remote's `ref` into the repository at `gitdir` and returns its head (null: no such ref). `have`
   * is the local head: the remote sends only what lies after it. One stateless upload-pack exchange; the pack is
   * checked and indexed before it becomes visible, and flushed to disk when `fsync` is set, since a ref is about
   * to point into it.
   */
  async fetch(gitdir: string, ref: string, have: string | null, fsync: boolean): Promise<string | null> {
    const head = await this.head(ref);
    if (head === null || head === have) return head;
    const request = Buffer.concat([
      pktLine(`want ${head} side-band-64k ofs-delta no-progress agent=cairn\n`),
      FLUSH,
      ...(have ? [pktLine(`have ${have}\n`)] : []),
      pktLine('done\n'),
    ]);
    const response = await this.guard('fetch', () =>
      fetch(`${this.base()}/git-upload-pack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result', ...this.headers() },
        body: request,
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      }),
    );
    const body = Buffer.from(await response.arrayBuffer());
    if (!response.ok) throw new RemoteUnavailableError(`fetch from ${this.safeUrl()} failed: HTTP ${response.status}`);
    await storePack(gitdir, packFromSideBand(body), fsync);
    return head;
  }

  private base(): string {
    return this.settings.url.replace(/\/+$/, '');
  }

  private headers(): Record<string, string> {
    const { username, password } = this.settings;
    if (username === null && password === null) return {};
    return { authorization: `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}` };
  }

  private auth(): { username?: string; password?: string } {
    return { ...(this.settings.username ? { username: this.settings.username } : {}), ...(this.settings.password ? { password: this.settings.password } : {}) };
  }

  /** The URL without credentials, for messages and logs. */
  private safeUrl(): string {
    try {
      const url = new URL(this.settings.url);
      url.username = url.password = '';
      return url.toString();
    } catch {
      return '(invalid remote url)';
    }
  }

  /** Any failure to talk to the remote becomes RemoteUnavailableError, except the expected ref-moved answer. */
  private async guard<T>(what: string, exchange: () => Promise<T>): Promise<T> {
    try {
      return await exchange();
    } catch (error) {
      if (error instanceof RemoteMovedError || error instanceof RemoteUnavailableError) throw error;
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new RemoteUnavailableError(`${what} with ${this.safeUrl()} failed: ${detail}`);
    }
  }
}

/** The pack carried on band 1 of an upload-pack answer; band 3 is the remote's error message. */
function packFromSideBand(body: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (const line of readPktLines(body)) {
    const band = line[0];
    if (band === 1) chunks.push(line.subarray(1));
    else if (band === 3) throw new RemoteUnavailableError(`the remote refused the fetch: ${line.subarray(1).toString('utf8').trim()}`);
    // ACK/NAK lines before the pack, and band 2 (progress), carry nothing we need.
  }
  const pack = Buffer.concat(chunks);
  if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') throw new RemoteUnavailableError('the remote sent no pack');
  return pack;
}
