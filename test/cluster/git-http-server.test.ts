import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs, { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import git, { type HttpClient } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gitCli } from '../support/git-cli.js';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { startGitHttpServerProcess } from '../support/git-http-server-process.js';

const AUTHOR = { name: 'Replica', email: 'replica@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
const MAIN = 'refs/heads/main';

let server: GitHttpServer;
let work: string;
let repoCount = 0;

beforeAll(async () => {
  server = await startGitHttpServer();
  work = mkdtempSync(path.join(tmpdir(), 'cairn-git-http-test-'));
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => {
  server.failNext(0);
  server.resume();
});

/** A fresh remote repository and a fresh local directory name for each test. */
function fresh(): { url: string; remoteDir: string; local: (name: string) => string } {
  const name = `r${++repoCount}.git`;
  const url = server.createRepository(name);
  const base = path.join(work, `t${repoCount}`);
  fs.mkdirSync(base);
  return { url, remoteDir: path.join(server.root, name), local: (n) => path.join(base, n) };
}

async function remoteHead(remoteDir: string): Promise<string> {
  return (await gitCli(remoteDir, 'rev-parse', MAIN)).trim();
}

/** A bare repository written by isomorphic-git, the way Cairn keeps its namespaces. */
async function bareRepository(gitdir: string): Promise<string> {
  await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
  return gitdir;
}

/** Commits one file on main of a bare repository (no working tree), returns the commit id. */
async function commitFile(gitdir: string, content: string | Buffer, parent: string[]): Promise<string> {
  const blob = await git.writeBlob({ fs, gitdir, blob: typeof content === 'string' ? Buffer.from(content) : content });
  const tree = await git.writeTree({ fs, gitdir, tree: [{ mode: '100644', path: 'config.json', oid: blob, type: 'blob' }] });
  const oid = await git.writeCommit({ fs, gitdir, commit: { message: 'change\n', tree, parent, author: AUTHOR, committer: AUTHOR } });
  await git.writeRef({ fs, gitdir, ref: MAIN, value: oid, force: true });
  return oid;
}

function refFiles(gitdir: string): string[] {
  return readdirSync(path.join(gitdir, 'refs'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(gitdir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('the git CLI against the smart-HTTP server', () => {
  it('clones an empty repository, pushes, and a second clone fetches the push', async () => {
    const { url, remoteDir, local } = fresh();
    await gitCli(work, 'clone', '--quiet', url, local('one'));
    writeFileSync(path.join(local('one'), 'a.json'), '{"a":1}\n');
    await gitCli(local('one'), 'add', 'a.json');
    await gitCli(local('one'), 'commit', '--quiet', '-m', 'first');
    await gitCli(local('one'), 'push', '--quiet', 'origin', 'main');
    const pushed = (await gitCli(local('one'), 'rev-parse', 'HEAD')).trim();
    expect(await remoteHead(remoteDir)).toBe(pushed);

    await gitCli(work, 'clone', '--quiet', url, local('two'));
    expect((await gitCli(local('two'), 'rev-parse', 'HEAD')).trim()).toBe(pushed);
    expect(fs.readFileSync(path.join(local('two'), 'a.json'), 'utf8')).toBe('{"a":1}\n');

    await gitCli(local('one'), 'commit', '--quiet', '--allow-empty', '-m', 'second');
    await gitCli(local('one'), 'push', '--quiet', 'origin', 'main');
    const before = server.requests;
    await gitCli(local('two'), 'fetch', '--quiet', 'origin');
    expect(server.requests).toBeGreaterThan(before);
    expect((await gitCli(local('two'), 'rev-parse', 'origin/main')).trim()).toBe(await remoteHead(remoteDir));
  });

  it('rejects a push based on a stale head, and the remote itself refuses a forced non-fast-forward', async () => {
    const { url, remoteDir, local } = fresh();
    await gitCli(work, 'clone', '--quiet', url, local('one'));
    await gitCli(local('one'), 'commit', '--quiet', '--allow-empty', '-m', 'base');
    await gitCli(local('one'), 'push', '--quiet', 'origin', 'main');
    await gitCli(work, 'clone', '--quiet', url, local('two'));

    await gitCli(local('one'), 'commit', '--quiet', '--allow-empty', '-m', 'one wins');
    await gitCli(local('one'), 'push', '--quiet', 'origin', 'main');
    const winner = await remoteHead(remoteDir);
    await gitCli(local('two'), 'commit', '--quiet', '--allow-empty', '-m', 'two loses');

    await expect(gitCli(local('two'), 'push', 'origin', 'main')).rejects.toThrow(/\[rejected\][^\n]*\(fetch first\)/);
    await expect(gitCli(local('two'), 'push', '--force', 'origin', 'main')).rejects.toThrow(/\[remote rejected\][^\n]*\(non-fast-forward\)/);
    expect(await remoteHead(remoteDir)).toBe(winner);
  });

  it('streams a 2 MB chunked push body and inflates a gzipped fetch negotiation', async () => {
    const { url, remoteDir, local } = fresh();
    await gitCli(work, 'clone', '--quiet', url, local('one'));
    writeFileSync(path.join(local('one'), 'big.bin'), randomBytes(2 * 1024 * 1024));
    await gitCli(local('one'), 'add', 'big.bin');
    await gitCli(local('one'), 'commit', '--quiet', '-m', 'big');
    // A body over http.postBuffer goes out with Transfer-Encoding: chunked and no Content-Length.
    await gitCli(local('one'), '-c', 'http.postBuffer=65536', 'push', '--quiet', 'origin', 'main');
    expect((await gitCli(remoteDir, 'cat-file', '-s', 'main:big.bin')).trim()).toBe(String(2 * 1024 * 1024));

    // git gzips a fetch request over 1 KiB: 30 new branches on the remote are 30 "want" lines (~1.5 KiB).
    await gitCli(work, 'clone', '--quiet', url, local('two'));
    await gitWithInput(remoteDir, newBranches(30), 'fast-import', '--quiet');
    const logged = server.log.length;
    await gitCli(local('two'), 'fetch', '--quiet', 'origin');
    expect((await gitCli(local('two'), 'rev-parse', 'origin/b29')).trim()).toBe((await gitCli(remoteDir, 'rev-parse', 'b29')).trim());
    expect(server.log.slice(logged).some((r) => r.method === 'POST' && r.contentEncoding === 'gzip' && r.status === 200)).toBe(true);
  });
});

describe('isomorphic-git against the smart-HTTP server', () => {
  it('pushes from a bare repository with only a url (no remote configured) and still writes refs/remotes/origin/main', async () => {
    const { url, remoteDir, local } = fresh();
    const gitdir = await bareRepository(local('a.git'));
    const head = await commitFile(gitdir, '{"a":1}', []);
    const result = await git.push({ fs, http, gitdir, url, ref: 'main', remoteRef: 'main' });
    expect(result.ok).toBe(true);
    expect(result.refs[MAIN]).toEqual({ ok: true, error: '' });
    expect(await remoteHead(remoteDir)).toBe(head);
    // push falls back to the remote name "origin" and records the pushed head there, configured or not.
    expect(refFiles(gitdir)).toEqual(['refs/heads/main', 'refs/remotes/origin/main']);
    expect(await git.resolveRef({ fs, gitdir, ref: 'refs/remotes/origin/main' })).toBe(head);
  });

  it('fetches into a bare repository only once a fetch refspec exists, writing refs/remotes/<remote>/main and no FETCH_HEAD', async () => {
    const { url, local } = fresh();
    const source = await bareRepository(local('source.git'));
    const head = await commitFile(source, '{"a":1}', []);
    await git.push({ fs, http, gitdir: source, url, ref: 'main', remoteRef: 'main' });

    const gitdir = await bareRepository(local('replica.git'));
    const fetchMain = (): ReturnType<typeof git.fetch> => git.fetch({ fs, http, gitdir, url, ref: 'main', singleBranch: true, tags: false });
    // Without remote.origin.fetch the refs update fails after the download, and the pack is not kept either.
    await expect(fetchMain()).rejects.toMatchObject({ code: 'NoRefspecError', data: { remote: 'origin' } });
    expect(readdirSync(path.join(gitdir, 'objects/pack'))).toEqual([]);

    await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    const fetched = await fetchMain();
    expect(fetched).toMatchObject({ defaultBranch: MAIN, fetchHead: head, fetchHeadDescription: `branch 'main' of ${url}` });
    expect(fetched).toHaveProperty('packfile', expect.stringMatching(/^objects\/pack\/pack-[0-9a-f]{40}\.pack$/));
    expect(refFiles(gitdir)).toEqual(['refs/remotes/origin/main']);
    expect(existsSync(path.join(gitdir, 'FETCH_HEAD'))).toBe(false);
    expect((await git.readCommit({ fs, gitdir, oid: head })).oid).toBe(head);
  });

  it('lists server refs by prefix over protocol v2 (Git-Protocol header passed to the backend) and v1', async () => {
    const { url, local } = fresh();
    const gitdir = await bareRepository(local('a.git'));
    const head = await commitFile(gitdir, '{"a":1}', []);
    expect(await git.listServerRefs({ http, url, prefix: 'refs/heads/' })).toEqual([]);
    await git.push({ fs, http, gitdir, url, ref: 'main', remoteRef: 'main' });

    expect(await git.listServerRefs({ http, url, prefix: 'refs/heads/' })).toEqual([{ ref: MAIN, oid: head }]);
    expect(await git.listServerRefs({ http, url, prefix: 'refs/heads/', protocolVersion: 1 })).toEqual([{ ref: MAIN, oid: head }]);
    expect(await git.listServerRefs({ http, url, prefix: 'HEAD', symrefs: true })).toEqual([{ ref: 'HEAD', oid: head, target: MAIN }]);
    const v2 = await git.getRemoteInfo2({ http, url });
    expect(v2.protocolVersion).toBe(2);
    const v1 = await git.getRemoteInfo2({ http, url, protocolVersion: 1 });
    expect(v1.protocolVersion === 1 && v1.refs).toContainEqual({ ref: MAIN, oid: head });
    await expect(git.listServerRefs({ http, url: `${server.url}missing.git` })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 404 } });
  });

  it('rejects a stale push before sending it (PushRejectedError) and reports a ref that moved mid-push (GitPushError)', async () => {
    const { url, remoteDir, local } = fresh();
    const one = await bareRepository(local('one.git'));
    const base = await commitFile(one, 'base', []);
    await git.push({ fs, http, gitdir: one, url, ref: 'main', remoteRef: 'main' });
    const two = await bareRepository(local('two.git'));
    await git.setConfig({ fs, gitdir: two, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    await git.fetch({ fs, http, gitdir: two, url, ref: 'main', singleBranch: true, tags: false });

    // The advertisement already shows one's commit, which two's head does not descend from.
    const first = await commitFile(one, 'one', [base]);
    await git.push({ fs, http, gitdir: one, url, ref: 'main', remoteRef: 'main' });
    await commitFile(two, 'two', [base]);
    const stale = await git.push({ fs, http, gitdir: two, url, ref: 'main', remoteRef: 'main' }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(git.Errors.PushRejectedError);
    expect(stale).toMatchObject({ code: 'PushRejectedError', data: { reason: 'not-fast-forward' } });

    // Now two builds on the advertised head, but one pushes between two's advertisement and two's pack.
    await git.fetch({ fs, http, gitdir: two, url, ref: 'main', singleBranch: true, tags: false });
    await commitFile(two, 'two again', [first]);
    const winner = await commitFile(one, 'one again', [first]);
    const racing = pushAfterAdvertisement(() => git.push({ fs, http, gitdir: one, url, ref: 'main', remoteRef: 'main' }));
    const moved = await git.push({ fs, http: racing, gitdir: two, url, ref: 'main', remoteRef: 'main' }).catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(git.Errors.GitPushError);
    expect(moved).toMatchObject({ code: 'GitPushError', data: { result: { ok: true, refs: { [MAIN]: { ok: false, error: 'failed to update ref' } } } } });
    expect(await remoteHead(remoteDir)).toBe(winner);

    // The remote refuses a forced non-fast-forward (receive.denyNonFastForwards).
    const forced = await git.push({ fs, http, gitdir: two, url, ref: 'main', remoteRef: 'main', force: true }).catch((e: unknown) => e);
    expect(forced).toMatchObject({ code: 'GitPushError', data: { result: { refs: { [MAIN]: { ok: false, error: 'non-fast-forward' } } } } });
    expect(await remoteHead(remoteDir)).toBe(winner);
  });

  it('pushes and fetches a 2 MB blob', async () => {
    const { url, local } = fresh();
    const one = await bareRepository(local('one.git'));
    const blob = randomBytes(2 * 1024 * 1024);
    const head = await commitFile(one, blob, []);
    await git.push({ fs, http, gitdir: one, url, ref: 'main', remoteRef: 'main' });
    const two = await bareRepository(local('two.git'));
    await git.setConfig({ fs, gitdir: two, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
    expect((await git.fetch({ fs, http, gitdir: two, url, ref: 'main', singleBranch: true, tags: false })).fetchHead).toBe(head);
    const { blob: fetched } = await git.readBlob({ fs, gitdir: two, oid: head, filepath: 'config.json' });
    expect(Buffer.from(fetched).equals(blob)).toBe(true);
  });
});

describe('checks on what is pushed, like a hosting service', () => {
  it('keeps a received pack as a pack, and refuses a pack that carries the same object twice', async () => {
    const { url, remoteDir } = fresh();
    const blob = gitObject('blob', Buffer.from('{"same":true}\n'));
    const tree = gitObject('tree', Buffer.concat([treeEntry('a.json', blob.oid), treeEntry('b.json', blob.oid)]));
    const commit = gitObject(
      'commit',
      Buffer.from(`tree ${tree.oid}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nsame\n`),
    );

    const duplicated = await receivePack(url, commit.oid, [blob, blob, tree, commit]);
    // index-pack --strict dies on the duplicate ("abnormal exit" or "failed", depending on the git version).
    expect(duplicated).toEqual([expect.stringMatching(/^unpack index-pack /), `ng ${MAIN} unpacker error`]);
    await expect(remoteHead(remoteDir)).rejects.toThrow();

    const once = await receivePack(url, commit.oid, [blob, tree, commit]);
    expect(once).toEqual(['unpack ok', `ok ${MAIN}`]);
    expect(await remoteHead(remoteDir)).toBe(commit.oid);
    // receive.unpackLimit=1: even three objects stay a pack (as on a host), never exploded into loose objects.
    expect(readdirSync(path.join(remoteDir, 'objects/pack')).filter((f) => f.endsWith('.pack'))).toHaveLength(1);
    expect(readdirSync(path.join(remoteDir, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d))).toEqual([]);
  });

  it('refuses a malformed object (receive.fsckObjects)', async () => {
    const { url, remoteDir } = fresh();
    const tree = gitObject('tree', Buffer.alloc(0));
    // A commit without an author line is malformed for fsck.
    const commit = gitObject('commit', Buffer.from(`tree ${tree.oid}\ncommitter A <a@example.com> 1700000000 +0000\n\nno author\n`));
    const report = await receivePack(url, commit.oid, [tree, commit]);
    expect(report[0]).toMatch(/^unpack /);
    expect(report[0]).not.toBe('unpack ok');
    await expect(remoteHead(remoteDir)).rejects.toThrow();
  });
});

describe('basic auth', () => {
  const credentials = { username: 'replica', password: 's3cret' };
  let secured: GitHttpServer;
  beforeAll(async () => {
    secured = await startGitHttpServer({ auth: credentials });
  });
  afterAll(() => secured.close());

  it('answers 401 without credentials and serves fetches and pushes with them', async () => {
    const url = secured.createRepository('private.git');
    const authed = url.replace('http://', `http://${credentials.username}:${credentials.password}@`);
    await expect(gitCli(work, 'ls-remote', url)).rejects.toThrow(/Authentication failed|could not read Username/);
    await expect(gitCli(work, 'ls-remote', url.replace('http://', 'http://replica:wrong@'))).rejects.toThrow(/Authentication failed/);
    expect(secured.log.every((r) => r.status === 401)).toBe(true);

    const res = await fetch(`${url}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="git"');

    const gitdir = await bareRepository(path.join(work, 'auth.git'));
    const head = await commitFile(gitdir, '{"a":1}', []);
    const remoteDir = path.join(secured.root, 'private.git');
    await gitCli(remoteDir, 'config', 'core.logAllRefUpdates', 'always');
    await expect(git.push({ fs, http, gitdir, url, ref: 'main', remoteRef: 'main' })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 401 } });
    await git.push({ fs, http, gitdir, url, ref: 'main', remoteRef: 'main', onAuth: () => credentials });
    expect(await git.listServerRefs({ http, url: authed, prefix: 'refs/heads/' })).toEqual([{ ref: MAIN, oid: head }]);
    expect(await gitCli(work, 'ls-remote', authed, 'main')).toBe(`${head}\t${MAIN}\n`);
    // http-backend names the authenticated REMOTE_USER as the identity of the ref update.
    expect(await gitCli(remoteDir, 'reflog', 'show', '--format=%gn <%ge>', 'main')).toBe('replica <replica@http.127.0.0.1>\n');
  });
});

describe('failure injection', () => {
  it('fails the next requests with a status, then serves again', async () => {
    const { url } = fresh();
    server.failNext(2, { status: 503 });
    for (let i = 0; i < 2; i++) {
      await expect(git.listServerRefs({ http, url })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 503 } });
    }
    expect(await git.listServerRefs({ http, url })).toEqual([]);
    // Protocol v2 lists refs with a GET (capabilities) and a POST (ls-refs).
    expect(server.log.slice(-4).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 503', 'GET 503', 'GET 200', 'POST 200']);
  });

  it('stays down with failNext(Infinity) until failNext(0), and can fail one service only', async () => {
    const { url, local } = fresh();
    server.failNext(Infinity);
    for (let i = 0; i < 3; i++) await expect(gitCli(work, 'ls-remote', url)).rejects.toThrow(/500/);
    server.failNext(0);
    await gitCli(work, 'ls-remote', url);

    server.failNext(Infinity, { service: 'git-receive-pack' });
    const gitdir = await bareRepository(local('a.git'));
    await commitFile(gitdir, 'x', []);
    await expect(git.push({ fs, http, gitdir, url, ref: 'main', remoteRef: 'main' })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 500 } });
    expect(await git.listServerRefs({ http, url })).toEqual([]);
  });

  it('resets the connection', async () => {
    const { url } = fresh();
    server.failNext(1, { status: 'reset' });
    await expect(git.listServerRefs({ http, url })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.log.at(-1)?.status).toBe('reset');
  });

  it('lands a push and then loses its answer (afterBackend)', async () => {
    const { url, remoteDir, local } = fresh();
    const gitdir = await bareRepository(local('a.git'));
    const head = await commitFile(gitdir, 'x', []);
    server.failNext(1, { status: 502, service: 'git-receive-pack', afterBackend: true });
    await expect(git.push({ fs, http, gitdir, url, ref: 'main', remoteRef: 'main' })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 502 } });
    expect(await remoteHead(remoteDir)).toBe(head);
    expect(server.log.slice(-2).map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'POST 502']);
  });

  it('holds requests while paused', async () => {
    const { url } = fresh();
    server.pause();
    const before = server.requests;
    let answered = false;
    const listing = git.listServerRefs({ http, url }).then((refs) => {
      answered = true;
      return refs;
    });
    await waitFor(() => server.requests > before);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    server.resume();
    expect(await listing).toEqual([]);
  });

  it('closes while a request is held', async () => {
    const other = await startGitHttpServer();
    const url = other.createRepository('held.git');
    other.pause();
    const listing = git.listServerRefs({ http, url }).catch((e: unknown) => e);
    await waitFor(() => other.requests === 1);
    await other.close();
    expect(await listing).toMatchObject({ code: 'ECONNRESET' });
    expect(existsSync(other.root)).toBe(false);
  });
});

describe('the server in a process of its own', () => {
  it('serves git, applies failNext and pause before answering the call, logs every request, and removes its root on close', async () => {
    const remote = await startGitHttpServerProcess();
    try {
      const url = remote.createRepository('p.git');
      const gitdir = await bareRepository(path.join(work, 'process.git'));
      const head = await commitFile(gitdir, '{"a":1}', []);
      await git.push({ fs, http, gitdir, url, ref: 'main', remoteRef: 'main' });
      expect(await remoteHead(path.join(remote.root, 'p.git'))).toBe(head);

      await remote.failNext(Infinity, { status: 503 });
      await expect(git.listServerRefs({ http, url })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 503 } });
      await expect(git.listServerRefs({ http, url })).rejects.toMatchObject({ code: 'HttpError', data: { statusCode: 503 } });
      await remote.failNext(0);

      await remote.pause();
      let answered = false;
      const listing = git.listServerRefs({ http, url, prefix: 'refs/heads/' }).then((refs) => {
        answered = true;
        return refs;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);
      await remote.resume();
      expect(await listing).toEqual([{ ref: MAIN, oid: head }]);

      await remote.settled();
      expect(remote.log.map((r) => `${r.method} ${r.service} ${r.status}`)).toEqual([
        'GET git-receive-pack 200',
        'POST git-receive-pack 200',
        'GET git-upload-pack 503',
        'GET git-upload-pack 503',
        // Protocol v2: the listing itself is a POST (ls-refs).
        'GET git-upload-pack 200',
        'POST git-upload-pack 200',
      ]);
    } finally {
      await remote.close();
    }
    expect(existsSync(remote.root)).toBe(false);
  });
});

interface RawObject {
  readonly type: 'blob' | 'tree' | 'commit';
  readonly oid: string;
  readonly body: Buffer;
}

/** A Git object built by hand, so a test can put anything (even the same object twice) in a pack. */
function gitObject(type: RawObject['type'], body: Buffer): RawObject {
  const oid = createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
  return { type, oid, body };
}

function treeEntry(name: string, oid: string): Buffer {
  return Buffer.concat([Buffer.from(`100644 ${name}\0`), Buffer.from(oid, 'hex')]);
}

/** A version 2 pack of whole (undeltified) objects, in the given order. */
function packOf(objects: readonly RawObject[]): Buffer {
  const typeCode = { commit: 1, tree: 2, blob: 3 } as const;
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(objects.length, 8);
  const entries = objects.map((o) => {
    const bytes: number[] = [];
    let size = o.body.length;
    let byte = (typeCode[o.type] << 4) | (size & 0x0f);
    size >>= 4;
    while (size > 0) {
      bytes.push(byte | 0x80);
      byte = size & 0x7f;
      size >>= 7;
    }
    bytes.push(byte);
    return Buffer.concat([Buffer.from(bytes), deflateSync(o.body)]);
  });
  const body = Buffer.concat([header, ...entries]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

function pktLine(text: string): Buffer {
  return Buffer.from(`${(text.length + 4).toString(16).padStart(4, '0')}${text}`);
}

/** Creates refs/heads/main at `oid` with one receive-pack request carrying `objects`; the report-status lines. */
async function receivePack(url: string, oid: string, objects: readonly RawObject[]): Promise<string[]> {
  const command = pktLine(`${'0'.repeat(40)} ${oid} ${MAIN}\0report-status\n`);
  const res = await fetch(`${url}/git-receive-pack`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-git-receive-pack-request' },
    body: Buffer.concat([command, Buffer.from('0000'), packOf(objects)]),
  });
  expect(res.status).toBe(200);
  const report = Buffer.from(await res.arrayBuffer());
  const lines: string[] = [];
  for (let at = 0; at + 4 <= report.length;) {
    const length = parseInt(report.toString('latin1', at, at + 4), 16);
    if (length === 0) {
      at += 4;
      continue;
    }
    lines.push(report.toString('utf8', at + 4, at + length).trimEnd());
    at += length;
  }
  return lines;
}

/** A git fast-import stream creating `count` branches b0, b1... each on its own root commit. */
function newBranches(count: number): string {
  let stream = '';
  for (let i = 0; i < count; i++) stream += `commit refs/heads/b${i}\ncommitter Git CLI <cli@example.com> 1700000000 +0000\ndata 3\nb${i}\n\n`;
  return stream;
}

function gitWithInput(cwd: string, input: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args.join(' ')} failed (${code}): ${stderr}`))));
    child.stdin.end(input);
  });
}

/** An isomorphic-git HTTP client that runs `interloper` right after the first receive-pack ref advertisement. */
function pushAfterAdvertisement(interloper: () => Promise<unknown>): HttpClient {
  let done = false;
  return {
    async request(request) {
      const response = await http.request(request);
      if (!done && request.method === 'GET' && request.url.includes('service=git-receive-pack')) {
        done = true;
        await interloper();
      }
      return response;
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
