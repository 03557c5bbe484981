import fs from 'node:fs';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import type { EncodedObject } from './object-format.js';
import { storePack } from './pack-store.js';
import { encodePack } from './pack-writer.js';
import { FLUSH, pktLine, readPktLines } from './pkt-line.js';

export interface RemoteSettings {
  /**
   * One repository shared by every replica; each namespace is a branch of it (see `refOf`). Credentials written
   * into the URL are taken out of it and used like `username`/`password`: they never appear in a message.
   */
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

/** The remote could not be reached, or answered something that is not Git: whether a push landed is unknown. */
export class RemoteUnavailableError extends Error {
  readonly code = 'REMOTE_UNAVAILABLE';
}

/** The remote answered and refused the update for its own reason (a hook, a protected ref): nothing landed. */
export class RemoteRefusedError extends Error {
  readonly code = 'REMOTE_REFUSED';
  constructor(
    readonly ref: string,
    readonly reason: string,
  ) {
    super(`the remote refused ${ref}: ${reason}`);
  }
}

/**
 * The shared Git remote, spoken to over smart HTTP (protocol v0, stateless: one request per exchange, each with a
 * deadline). One repository holds every namespace as a branch, so any Git host works with one repository created
 * once (GitHub, Gitea, `git http-backend`) and `git clone` of it shows every namespace. Pushing a ref from its old
 * value to a new one is the compare-and-swap between replicas: receive-pack refuses the update when the ref no
 * longer has the old value.
 */
export class GitRemote {
  private readonly endpoint: string;
  private readonly username: string | null;
  private readonly password: string | null;

  constructor(private readonly settings: RemoteSettings) {
    const url = new URL(settings.url);
    this.username = settings.username ?? (url.username ? decodeURIComponent(url.username) : null);
    this.password = settings.password ?? (url.password ? decodeURIComponent(url.password) : null);
    url.username = url.password = '';
    this.endpoint = url.toString().replace(/\/+$/, '');
  }

  /** The remote's URL without credentials, for messages and logs. */
  get url(): string {
    return this.endpoint;
  }

  /** Namespaces are branches; internal repositories (names starting with a dot) live outside refs/heads. */
  refOf(repository: string): string {
    return repository.startsWith('.') ? `refs/cairn/${repository.slice(1)}` : `refs/heads/${repository}`;
  }

  /**
   * Where a namespace's other refs (release branches, change requests, tags) live on the remote: under
   * `refs/namespaces/<namespace>/`, git's own convention for one repository holding many (gitnamespaces(7)).
   * `refs/heads/<namespace>` is main's branch, so it cannot also be a folder of refs. Null for internal
   * repositories, whose only shared ref is their main.
   */
  sideRefPrefix(repository: string): string | null {
    return repository.startsWith('.') ? null : `refs/namespaces/${repository}/`;
  }

  /** Every namespace the remote holds, with its head. */
  async heads(): Promise<Map<string, string>> {
    const refs = await this.refs();
    return new Map([...refs].filter(([ref]) => ref.startsWith('refs/heads/')).map(([ref, oid]) => [ref.slice('refs/heads/'.length), oid]));
  }

  /** The remote's head of `ref`, or null when there is no such ref. */
  async head(ref: string): Promise<string | null> {
    return (await this.refs()).get(ref) ?? null;
  }

  /**
   * Sends `objects` (every object of the new commit the remote lacks) and moves `ref` from `expected` to `oid`
   * (null: deletes it). Throws RemoteMovedError when the remote's ref is elsewhere, RemoteRefusedError when it
   * refused for another reason. The objects are sent whole in one pack: a commit's new objects are few and small.
   */
  async push(ref: string, objects: readonly EncodedObject[], oid: string | null, expected: string | null): Promise<void> {
    // side-band-64k: what the remote's hooks print (a host explaining a refusal) comes back on band 2.
    const command = `${expected ?? ZERO_OID} ${oid ?? ZERO_OID} ${ref}\0report-status side-band-64k delete-refs agent=cairn\n`;
    // A deletion carries no pack at all; an update of a ref to objects the remote has carries an empty one.
    const body = Buffer.concat([pktLine(command), FLUSH, ...(oid === null ? [] : [encodePack(uniqueObjects(objects))])]);
    const { report, messages } = await this.guard('push', async () => splitSideBand(await this.exchange('git-receive-pack', body)));
    const said = messages ? ` (remote: ${messages})` : '';
    const unpack = report.find((l) => l.startsWith('unpack '));
    if (unpack !== 'unpack ok') throw new RemoteRefusedError(ref, `the remote could not store the pack: ${unpack ?? report.join('; ')}${said}`);
    const status = report.find((l) => l === `ok ${ref}` || l.startsWith(`ng ${ref} `));
    if (status === `ok ${ref}`) return;
    if (!status) throw new RemoteUnavailableError(`the remote did not report on ${ref}`);
    const reason = status.slice(`ng ${ref} `.length);
    // "ng" covers a lost race and every other refusal (hooks, protected refs): only the ref's value tells them apart.
    if ((await this.head(ref)) !== expected) throw new RemoteMovedError(ref, reason);
    throw new RemoteRefusedError(ref, `${reason}${said}`);
  }

  /**
   * Sends a whole local history the remote does not have yet (a data directory that predates the remote), with
   * isomorphic-git's negotiating push. Only ever used once per namespace.
   */
  async pushHistory(gitdir: string, localRef: string, ref: string): Promise<void> {
    const client = {
      request: (request: Parameters<typeof http.request>[0]) => http.request({ ...request, signal: AbortSignal.timeout(this.settings.timeoutMs * 10) }),
    };
    await this.guard('push history', () => git.push({ fs, http: client, gitdir, url: this.endpoint, ref: localRef, remoteRef: ref, headers: this.headers() }));
  }

  /**
   * Fetches the remote's `ref` into the repository at `gitdir` and returns its head (null: no such ref). `have`
   * is the local head: the remote sends only what lies after it.
   */
  async fetch(gitdir: string, ref: string, have: string | null, fsync: boolean): Promise<string | null> {
    const head = await this.head(ref);
    if (head !== null && head !== have) await this.fetchObjects(gitdir, [head], have ? [have] : [], fsync);
    return head;
  }

  /**
   * Brings the commits `wants` (and what they reach) into the repository at `gitdir`; `haves` are commits it has,
   * so the remote sends only what lies after them (none: a first clone, given more time). One stateless upload-pack
   * exchange; the pack is checked and indexed before it becomes visible, and flushed to disk when `fsync` is set,
   * since refs are about to point into it.
   */
  async fetchObjects(gitdir: string, wants: readonly string[], haves: readonly string[], fsync: boolean): Promise<void> {
    const [first, ...others] = wants;
    if (!first) return;
    const request = Buffer.concat([
      pktLine(`want ${first} side-band-64k ofs-delta no-progress agent=cairn\n`),
      ...others.map((oid) => pktLine(`want ${oid}\n`)),
      FLUSH,
      ...haves.map((oid) => pktLine(`have ${oid}\n`)),
      pktLine('done\n'),
    ]);
    const deadline = haves.length === 0 ? this.settings.timeoutMs * 10 : this.settings.timeoutMs;
    await this.guard('fetch', async () => storePack(gitdir, packFromSideBand(await this.exchange('git-upload-pack', request, deadline)), fsync));
  }

  /** Every ref the remote advertises, by full name (peeled tags left out): one request. */
  listRefs(): Promise<Map<string, string>> {
    return this.refs();
  }

  /** The refs the remote advertises (peeled tags left out). */
  private refs(): Promise<Map<string, string>> {
    return this.guard('list refs', async () => {
      const response = await fetch(`${this.endpoint}/info/refs?service=git-upload-pack`, {
        headers: this.headers(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      const body = Buffer.from(await response.arrayBuffer());
      if (!response.ok) throw new RemoteUnavailableError(`listing the refs of ${this.endpoint} failed: HTTP ${response.status}`);
      return parseAdvertisement(body);
    });
  }

  /** One POST to a Git service, body read whole, under the deadline. */
  private async exchange(service: 'git-upload-pack' | 'git-receive-pack', body: Buffer<ArrayBuffer>, deadlineMs = this.settings.timeoutMs): Promise<Buffer> {
    const response = await fetch(`${this.endpoint}/${service}`, {
      method: 'POST',
      headers: { 'content-type': `application/x-${service}-request`, accept: `application/x-${service}-result`, ...this.headers() },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(deadlineMs),
    });
    const answer = Buffer.from(await response.arrayBuffer());
    if (!response.ok) throw new RemoteUnavailableError(`${service} at ${this.endpoint} failed: HTTP ${response.status}`);
    return answer;
  }

  private headers(): Record<string, string> {
    if (this.username === null && this.password === null) return {};
    return { authorization: `Basic ${Buffer.from(`${this.username ?? ''}:${this.password ?? ''}`).toString('base64')}` };
  }

  /** Any failure to talk to the remote becomes RemoteUnavailableError, except the remote's own answers. */
  private async guard<T>(what: string, exchange: () => Promise<T>): Promise<T> {
    try {
      return await exchange();
    } catch (error) {
      if (error instanceof RemoteMovedError || error instanceof RemoteUnavailableError || error instanceof RemoteRefusedError) throw error;
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new RemoteUnavailableError(`${what} with ${this.endpoint} failed: ${this.redact(detail)}`);
    }
  }

  private redact(text: string): string {
    return this.password ? text.split(this.password).join('***') : text;
  }
}

/** A v0 ref advertisement: "# service=..." then one "<oid> <ref>" line per ref (capabilities after a NUL). */
function parseAdvertisement(body: Buffer): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of readPktLines(body)) {
    const text = line.toString('utf8');
    if (text.startsWith('ERR ')) throw new RemoteUnavailableError(`the remote answered: ${text.slice(4).trim()}`);
    const match = /^([0-9a-f]{40}) ([^\0\n]+)/.exec(text);
    if (!match?.[1] || !match[2] || match[1] === ZERO_OID || match[2].endsWith('^{}')) continue;
    refs.set(match[2], match[1]);
  }
  return refs;
}

/** The pack carried on band 1 of an upload-pack answer; band 3 (or an ERR line) is the remote's error message. */
function packFromSideBand(body: Buffer): Buffer {
  const chunks: Buffer[] = [];
  for (const line of readPktLines(body)) {
    const band = line[0];
    if (band === 1) chunks.push(line.subarray(1));
    else if (band === 3) throw new RemoteUnavailableError(`the remote refused the fetch: ${line.subarray(1).toString('utf8').trim()}`);
    else if (line.toString('latin1', 0, 4) === 'ERR ') throw new RemoteUnavailableError(`the remote refused the fetch: ${line.toString('utf8', 4).trim()}`);
    // ACK/NAK lines before the pack, and band 2 (progress), carry nothing we need.
  }
  const pack = Buffer.concat(chunks);
  if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') throw new RemoteUnavailableError('the remote sent no pack');
  return pack;
}

/**
 * A receive-pack answer: the report-status lines (band 1 when side-banded, as asked; plain pkt-lines from a server
 * that does not side-band) and what the remote printed (band 2, e.g. a hook's refusal message).
 */
function splitSideBand(answer: Buffer): { report: string[]; messages: string } {
  const lines = readPktLines(answer);
  const sideBanded = lines.length > 0 && lines.every((l) => l[0] !== undefined && l[0] >= 1 && l[0] <= 3);
  if (!sideBanded) return { report: lines.map((l) => l.toString('utf8').trimEnd()), messages: '' };
  const band = (n: number): Buffer => Buffer.concat(lines.filter((l) => l[0] === n).map((l) => l.subarray(1)));
  const fatal = band(3).toString('utf8').trim();
  if (fatal) throw new RemoteUnavailableError(`the remote failed: ${fatal}`);
  const messages = band(2)
    .toString('utf8')
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
  return { report: readPktLines(band(1)).map((l) => l.toString('utf8').trimEnd()), messages };
}

/** Git's fsck refuses a pack holding one object twice (two documents with the same content, say). */
function uniqueObjects(objects: readonly EncodedObject[]): EncodedObject[] {
  return [...new Map(objects.map((o) => [o.oid, o])).values()];
}
