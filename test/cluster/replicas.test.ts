import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitCli } from '../support/git-cli.js';
import type { GitService } from '../support/git-http-server.js';
import { type GitHttpServerProcess, startGitHttpServerProcess } from '../support/git-http-server-process.js';
import { type Harness, collect, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CHANGES_SUBSCRIPTION, CREATE_NAMESPACE, HEAD, PUT_CONFIG, ROLLBACK, type WriteResult } from '../support/operations.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

/**
 * Two real Cairn replicas on loopback sharing a real smart-HTTP remote (`git http-backend`) and a real
 * redis-server: writes on both, subscribers on both.
 */

interface PutData {
  putConfig: { __typename: string; version?: { hash: string }; status?: string; currentVersion?: string | null; message?: string };
}

interface ChangeData {
  changes: { version: string; parentVersion: string | null; namespace: string };
}

/** In its own process: the file sends it hundreds of requests, each a fork (see git-http-server-process.ts). */
let remote: GitHttpServerProcess;
let redis: RedisServer;
/** The repository the replicas of the running describe block share (see useFreshRemote). */
let remoteUrl: string;
let remoteDir: string;
let remotes = 0;

/**
 * Gives the replicas of the describe block that calls it a repository of their own on the shared server. A replica
 * clones every namespace of its remote when it starts: with one repository for the whole file, each start paid for
 * the namespaces of every test before it (seconds each late in the file, 61 commits of the race alone).
 */
function useFreshRemote(): void {
  remotes += 1;
  remoteUrl = remote.createRepository(`config-${remotes}.git`);
  remoteDir = path.join(remote.root, `config-${remotes}.git`);
}

function remoteGit(...args: string[]): string {
  return execFileSync('git', ['--git-dir', remoteDir, ...args], { encoding: 'utf8' }).trim();
}

function remoteHistory(namespace: string): string[] {
  const out = remoteGit('rev-list', '--reverse', '--first-parent', `refs/heads/${namespace}`);
  return out ? out.split('\n') : [];
}

async function replica(env: Record<string, string> = {}): Promise<Harness> {
  return startHarness({ env: { CAIRN_REMOTE_URL: remoteUrl, CAIRN_REDIS_URL: redis.url, CAIRN_REMOTE_POLL_MS: '0', ...env } });
}

async function put(
  h: Harness,
  namespace: string,
  file: string,
  content: unknown,
  expectedVersion: string | null,
  requestId?: string,
): Promise<PutData['putConfig']> {
  const res = await h.gql<PutData>(PUT_CONFIG, {
    input: { namespace, path: file, content, expectedVersion, comment: `put ${file}`, ...(requestId ? { requestId } : {}) },
  });
  expect(res.errors).toBeUndefined();
  return res.data.putConfig;
}

async function headOf(h: Harness, namespace: string): Promise<string | null> {
  const res = await h.gql<{ namespace: { __typename: string; head: { hash: string } | null } }>(HEAD, { ns: namespace });
  return res.data.namespace.__typename === 'Namespace' ? (res.data.namespace.head?.hash ?? null) : null;
}

/**
 * main of the replica's own clone of `namespace`, read with the git CLI: no request to the replica, so nothing
 * there (such as a query that clones a namespace it has not heard of) can pull on the test's behalf. Null when the
 * replica has no clone.
 */
async function cloneHead(h: Harness, namespace: string): Promise<string | null> {
  try {
    return (await gitCli(h.dataDir, '--git-dir', path.join(h.dataDir, `${namespace}.git`), 'rev-parse', '--verify', '--quiet', 'refs/heads/main')).trim();
  } catch {
    return null;
  }
}

/** Where the remote's log ends now, with every request answered so far in it. */
async function logMark(): Promise<number> {
  await remote.settled();
  return remote.log.length;
}

/** The services of the POSTs (the requests that do the work) the remote answered since log entry `mark`, in order. */
async function postsSince(mark: number): Promise<(GitService | null)[]> {
  await remote.settled();
  return remote.log
    .slice(mark)
    .filter((r) => r.method === 'POST')
    .map((r) => r.service);
}

/** How many connections the running redis-server has subscribed to the announcements channel; 0 while it is down. */
async function announcementListeners(): Promise<number> {
  const client = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [, count] = (await client.pubsub('NUMSUB', 'cairn:heads')) as [string, number];
    return count;
  } catch {
    return 0;
  } finally {
    client.disconnect();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  [remote, redis] = await Promise.all([startGitHttpServerProcess(), startRedisServer()]);
});

afterAll(async () => {
  await Promise.all([remote?.close(), redis?.stop()]);
});

describe('two replicas sharing a Git remote and Redis', () => {
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    useFreshRemote();
    [a, b] = await Promise.all([replica(), replica()]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('a commit made on A is on the remote, and B follows it through the Redis announcement', async () => {
    expect((await a.gql(CREATE_NAMESPACE, { name: 'payments' })).data).toMatchObject({ createNamespace: { name: 'payments' } });
    const first = await put(a, 'payments', 'app.json', { limit: 1 }, null);
    expect(first.__typename).toBe('WritePayload');
    expect(remoteHistory('payments')).toEqual([first.version?.hash]);
    expect(remoteGit('log', '-1', '--format=%an <%ae>%n%(trailers:key=Cairn-Action,valueonly)', 'refs/heads/payments')).toBe(
      'Local Developer <dev@localhost>\ncreate',
    );
    // This read opens the namespace on B (cloning it from the remote if no announcement did yet). From here on B
    // is asked nothing that could pull: only the announcement of A's next commit can bring it there.
    const read = await b.gql<{ namespace: { config: { content: unknown } } }>(
      `{ namespace(name: "payments") { ... on Namespace { config(path: "app.json") { ... on ConfigDocument { content } } } } }`,
    );
    expect(read.data.namespace.config.content).toEqual({ limit: 1 });
    // Replayed from `first` (which B has), so it cannot miss the next commit however late it starts.
    const feed = collect<ChangeData>(b.ws(), CHANGES_SUBSCRIPTION, { ns: 'payments', since: first.version!.hash }, 1, 5_000);
    const second = await put(a, 'payments', 'app.json', { limit: 1, note: 'second' }, first.version!.hash);
    expect(second.__typename).toBe('WritePayload');
    await until("B's clone to reach the second commit", async () => (await cloneHead(b, 'payments')) === second.version?.hash, 5_000);
    const [event] = await feed.done;
    expect(event?.changes).toMatchObject({ version: second.version?.hash, parentVersion: first.version?.hash, namespace: 'payments' });
  });

  it('creating a namespace that exists on the remote answers NamespaceExists on the other replica', async () => {
    const res = await b.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: 'payments' });
    expect(res.data.createNamespace.__typename).toBe('NamespaceExists');
  });

  it("a stale write on B after a write on A is a VersionConflict naming A's commit, and nothing is pushed", async () => {
    const base = (await headOf(a, 'payments'))!;
    await until('B at the base', async () => (await headOf(b, 'payments')) === base);
    const winner = await put(a, 'payments', 'app.json', { limit: 2 }, base);
    expect(winner.__typename).toBe('WritePayload');
    // Either the announcement reached B first, or B's push is refused and B pulls and re-checks: the answer is the
    // same. The refused-push path on its own is proved below, with no announcements at all.
    const loser = await put(b, 'payments', 'app.json', { limit: 3 }, base);
    expect(loser.__typename).toBe('VersionConflict');
    expect(loser.currentVersion).toBe(winner.version?.hash);
    expect(remoteHistory('payments').at(-1)).toBe(winner.version?.hash);
  });

  it('a write on B based on a version B has not pulled yet is checked against it, not refused as unknown', async () => {
    const fromA = await put(a, 'payments', 'other.json', { x: 1 }, (await headOf(a, 'payments'))!);
    const onB = await put(b, 'payments', 'app.json', { limit: 4 }, fromA.version!.hash);
    expect(onB.__typename).toBe('WritePayload');
    expect(remoteHistory('payments').slice(-2)).toEqual([fromA.version?.hash, onB.version?.hash]);
  });

  it('concurrent writers on both replicas: no acknowledged write lost, conflicts reported, every subscriber sees every commit once, in order', async () => {
    const ns = 'race';
    await a.gql(CREATE_NAMESPACE, { name: ns });
    const seed = await put(a, ns, 'counter.json', { n: 0 }, null);
    await until('B to follow the seed', async () => (await headOf(b, ns)) === seed.version?.hash);
    const seen = { a: [] as string[], b: [] as string[] };
    const subscriptions = (['a', 'b'] as const).map((name) => {
      const client = (name === 'a' ? a : b).ws();
      return new Promise<void>((resolve, reject) => {
        client.subscribe<ChangeData>(
          { query: CHANGES_SUBSCRIPTION, variables: { ns, since: seed.version!.hash } },
          { next: ({ data }) => data && seen[name].push(data.changes.version), error: reject, complete: resolve },
        );
      });
    });
    void subscriptions;
    const acknowledged: string[] = [];
    let conflicts = 0;
    const writer = async (h: Harness, id: string): Promise<void> => {
      for (let done = 0; done < 15;) {
        const read = await h.gql<{ namespace: { config: { content: { n: number }; version: { hash: string } } } }>(
          `query($ns: String!) { namespace(name: $ns) { ... on Namespace { config(path: "counter.json") { ... on ConfigDocument { content version { hash } } } } } }`,
          { ns },
        );
        const { content, version } = read.data.namespace.config;
        const res = await put(h, ns, 'counter.json', { n: content.n + 1, by: id }, version.hash);
        if (res.__typename === 'WritePayload') {
          acknowledged.push(res.version!.hash);
          done += 1;
        } else {
          expect(res.__typename).toBe('VersionConflict');
          conflicts += 1;
        }
      }
    };
    await Promise.all([writer(a, 'a1'), writer(a, 'a2'), writer(b, 'b1'), writer(b, 'b2')]);
    const history = remoteHistory(ns);
    expect(history).toHaveLength(61);
    expect(new Set(history)).toEqual(new Set([seed.version!.hash, ...acknowledged]));
    expect(conflicts).toBeGreaterThan(0);
    const final = JSON.parse(remoteGit('show', `refs/heads/${ns}:counter.json`)) as { n: number };
    expect(final.n).toBe(60);
    const expected = history.slice(1);
    await until('both subscribers to see all 60 commits', async () => seen.a.length >= 60 && seen.b.length >= 60, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.a).toEqual(expected);
    expect(seen.b).toEqual(expected);
    execFileSync('git', ['--git-dir', remoteDir, 'fsck', '--strict'], { stdio: 'pipe' });
    for (const h of [a, b]) {
      const gitdir = path.join(h.dataDir, `${ns}.git`);
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict'], { stdio: 'pipe' });
      // Each pull adds a pack; past 16 they are folded into one, so reads never search dozens of pack indexes.
      expect(readdirSync(path.join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length).toBeLessThanOrEqual(17);
    }
  });
});

describe('joining and leaving', () => {
  beforeAll(useFreshRemote);

  it('a data directory with history made before the remote existed is pushed on first start, and another replica gets it', async () => {
    const alone = await startHarness();
    await alone.gql(CREATE_NAMESPACE, { name: 'legacy' });
    const one = await put(alone, 'legacy', 'a.json', { v: 1 }, null);
    const two = await put(alone, 'legacy', 'a.json', { v: 2 }, one.version!.hash);
    await alone.server.close();
    const joined = await startHarness({
      env: { CAIRN_DATA_DIR: alone.dataDir, CAIRN_REMOTE_URL: remoteUrl, CAIRN_REDIS_URL: redis.url, CAIRN_REMOTE_POLL_MS: '0' },
    });
    const other = await replica();
    try {
      expect(remoteHistory('legacy')).toEqual([one.version?.hash, two.version?.hash]);
      expect(await headOf(other, 'legacy')).toBe(two.version?.hash);
      const three = await put(other, 'legacy', 'a.json', { v: 3 }, two.version!.hash);
      await until('the joined replica to follow', async () => (await headOf(joined, 'legacy')) === three.version?.hash);
    } finally {
      await Promise.all([joined.close(), other.close(), alone.close().catch(() => undefined)]);
    }
  });

  it('after Redis restarts, announcements flow again (ioredis reconnects and resubscribes)', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    try {
      await a.gql(CREATE_NAMESPACE, { name: 'bounce' });
      const first = await put(a, 'bounce', 'a.json', { v: 1 }, null);
      await until('B to follow before the restart', async () => (await cloneHead(b, 'bounce')) === first.version?.hash);
      await until('both replicas to listen to announcements', async () => (await announcementListeners()) === 2);
      await redis.restart();
      // The new server knows no subscriber until each replica's connection is back and subscribed again. An
      // announcement published before then is lost (Redis keeps no message, and polling is off here), so the write
      // waits for both: from then on its announcement must reach B.
      await until('both replicas to resubscribe', async () => (await announcementListeners()) === 2);
      const second = await put(a, 'bounce', 'a.json', { v: 2 }, first.version!.hash);
      await until('B to follow after the restart', async () => (await cloneHead(b, 'bounce')) === second.version?.hash);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('a replica without Redis', () => {
  beforeAll(useFreshRemote);

  it('follows the remote by polling', async () => {
    const [writer, follower] = await Promise.all([replica({ CAIRN_REDIS_URL: '' }), replica({ CAIRN_REDIS_URL: '', CAIRN_REMOTE_POLL_MS: '100' })]);
    try {
      await writer.gql(CREATE_NAMESPACE, { name: 'polled' });
      const one = await put(writer, 'polled', 'a.yaml', { a: 1 }, null);
      // Nothing asks the follower about the namespace (a query would clone it on demand): only its poll can.
      await until('the follower to poll the new namespace', async () => (await cloneHead(follower, 'polled')) === one.version?.hash, 5_000);
      const feed = collect<ChangeData>(follower.ws(), CHANGES_SUBSCRIPTION, { ns: 'polled', since: one.version!.hash }, 1, 5_000);
      const two = await put(writer, 'polled', 'a.yaml', { a: 2 }, one.version!.hash);
      await until('the follower to poll the next commit', async () => (await cloneHead(follower, 'polled')) === two.version?.hash, 5_000);
      expect((await feed.done)[0]?.changes).toMatchObject({ version: two.version?.hash, parentVersion: one.version?.hash });
    } finally {
      await Promise.all([writer.close(), follower.close()]);
    }
  });
});

describe("without announcements or polling, every write meets the remote's compare-and-swap", () => {
  // No Redis and no poll: B learns of A's commits only when the remote refuses its push or when it fetches a
  // version it was asked about, so these tests cannot pass by an announcement arriving first.
  let a: Harness;
  let b: Harness;
  let base: string;
  const ns = 'cas';

  beforeAll(async () => {
    useFreshRemote();
    [a, b] = await Promise.all([replica({ CAIRN_REDIS_URL: '' }), replica({ CAIRN_REDIS_URL: '' })]);
    await a.gql(CREATE_NAMESPACE, { name: ns });
    base = (await put(a, ns, 'app.json', { limit: 1 }, null)).version!.hash;
    expect(await headOf(b, ns)).toBe(base);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it("a stale write on B: the remote refuses its push, B pulls, re-checks and answers VersionConflict naming A's commit", async () => {
    const winner = await put(a, ns, 'app.json', { limit: 2 }, base);
    expect(await cloneHead(b, ns)).toBe(base);
    const mark = await logMark();
    const loser = await put(b, ns, 'app.json', { limit: 3 }, base);
    expect(loser).toMatchObject({ __typename: 'VersionConflict', currentVersion: winner.version?.hash });
    // One push, refused (the remote's branch did not move), then the pull that showed why.
    const posts = await postsSince(mark);
    expect(posts[0]).toBe('git-receive-pack');
    expect(posts.filter((s) => s === 'git-receive-pack')).toHaveLength(1);
    expect(posts.slice(1)).toContain('git-upload-pack');
    expect(remoteHistory(ns).slice(1)).toEqual([winner.version?.hash]);
    expect(await cloneHead(b, ns)).toBe(winner.version?.hash);
  });

  it("a write on B refused by the remote but touching another document is run again on A's commit and lands on top of it", async () => {
    const bHead = (await cloneHead(b, ns))!;
    const fromA = await put(a, ns, 'a-only.json', { x: 1 }, bHead);
    const mark = await logMark();
    const onB = await put(b, ns, 'b-only.json', { y: 1 }, bHead);
    expect(onB.__typename).toBe('WritePayload');
    const posts = await postsSince(mark);
    expect(posts[0]).toBe('git-receive-pack');
    expect(posts.at(-1)).toBe('git-receive-pack');
    expect(posts.filter((s) => s === 'git-receive-pack')).toHaveLength(2);
    expect(posts).toContain('git-upload-pack');
    expect(remoteHistory(ns).slice(-2)).toEqual([fromA.version?.hash, onB.version?.hash]);
    expect(remoteGit('rev-parse', `${onB.version!.hash}^`)).toBe(fromA.version?.hash);
    expect(JSON.parse(remoteGit('show', `refs/heads/${ns}:a-only.json`))).toEqual({ x: 1 });
  });

  it('a write on B based on a version B has not pulled yet fetches it first, then pushes once', async () => {
    const fromA = await put(a, ns, 'other.json', { x: 1 }, (await headOf(a, ns))!);
    expect(await cloneHead(b, ns)).not.toBe(fromA.version?.hash);
    const mark = await logMark();
    const onB = await put(b, ns, 'app.json', { limit: 4 }, fromA.version!.hash);
    expect(onB.__typename).toBe('WritePayload');
    const posts = await postsSince(mark);
    expect(posts[0]).toBe('git-upload-pack');
    expect(posts.filter((s) => s === 'git-receive-pack')).toHaveLength(1);
    expect(remoteHistory(ns).slice(-2)).toEqual([fromA.version?.hash, onB.version?.hash]);
  });
});

describe('documents with identical content, pushed to a remote that checks every pack', () => {
  // The remote runs receive.fsckObjects with receive.unpackLimit=1 (index-pack --strict), as hosts do: a pack
  // carrying one object twice is refused, so each write must send every object once.
  let h: Harness;

  beforeAll(async () => {
    useFreshRemote();
    h = await replica({ CAIRN_REDIS_URL: '' });
  });

  afterAll(async () => {
    await h?.close();
  });

  async function apply(namespace: string, changes: { path: string; content: unknown }[], expectedVersion: string | null): Promise<WriteResult> {
    const res = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace, changes, expectedVersion } });
    expect(res.errors).toBeUndefined();
    return res.data.applyChanges;
  }

  it('two documents with the same content in one applyChanges', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'twins' });
    const res = await apply(
      'twins',
      [
        { path: 'a.json', content: { same: 1 } },
        { path: 'b.json', content: { same: 1 } },
      ],
      null,
    );
    expect(res).toMatchObject({ __typename: 'WritePayload' });
    expect(remoteHistory('twins')).toEqual([res.version?.hash]);
    expect(remoteGit('rev-parse', 'refs/heads/twins:a.json')).toBe(remoteGit('rev-parse', 'refs/heads/twins:b.json'));
    execFileSync('git', ['--git-dir', remoteDir, 'fsck', '--strict'], { stdio: 'pipe' });
  });

  it('two folders holding the same documents (the same tree twice) in one applyChanges', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'twin-folders' });
    const res = await apply(
      'twin-folders',
      [
        { path: 'eu/limits.json', content: { max: 5 } },
        { path: 'us/limits.json', content: { max: 5 } },
      ],
      null,
    );
    expect(res).toMatchObject({ __typename: 'WritePayload' });
    expect(remoteHistory('twin-folders')).toEqual([res.version?.hash]);
    expect(remoteGit('rev-parse', 'refs/heads/twin-folders:eu')).toBe(remoteGit('rev-parse', 'refs/heads/twin-folders:us'));
  });

  it('a rollback that restores two documents with the same content', async () => {
    const ns = 'twin-rollback';
    await h.gql(CREATE_NAMESPACE, { name: ns });
    const one = await put(h, ns, 'a.json', { v: 1 }, null);
    const two = await put(h, ns, 'b.json', { v: 1 }, one.version!.hash);
    const three = await apply(
      ns,
      [
        { path: 'a.json', content: { v: 2 } },
        { path: 'b.json', content: { v: 3 } },
      ],
      two.version!.hash,
    );
    expect(three.__typename).toBe('WritePayload');
    const res = await h.gql<{ rollback: WriteResult }>(ROLLBACK, { input: { namespace: ns, to: two.version!.hash, expectedVersion: three.version!.hash } });
    expect(res.data.rollback).toMatchObject({ __typename: 'WritePayload' });
    expect(remoteHistory(ns).at(-1)).toBe(res.data.rollback.version?.hash);
    expect(JSON.parse(remoteGit('show', `refs/heads/${ns}:a.json`))).toEqual({ v: 1 });
    expect(JSON.parse(remoteGit('show', `refs/heads/${ns}:b.json`))).toEqual({ v: 1 });
  });
});

describe('resuming on another replica', () => {
  beforeAll(useFreshRemote);

  it('a subscriber resuming on B from a version made on A that B has not pulled yet gets the rest, not an unknown-version error', async () => {
    const [a, b] = await Promise.all([replica({ CAIRN_REDIS_URL: '' }), replica({ CAIRN_REDIS_URL: '' })]);
    try {
      await a.gql(CREATE_NAMESPACE, { name: 'resume' });
      const one = await put(a, 'resume', 'a.json', { v: 1 }, null);
      // B learns of the namespace (no Redis, no polling here: createNamespace asks the remote and adopts it).
      expect((await b.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: 'resume' })).data.createNamespace.__typename).toBe(
        'NamespaceExists',
      );
      expect(await headOf(b, 'resume')).toBe(one.version?.hash);
      const two = await put(a, 'resume', 'a.json', { v: 2 }, one.version!.hash);
      const three = await put(a, 'resume', 'a.json', { v: 3 }, two.version!.hash);
      const seen: string[] = [];
      const client = b.ws();
      await new Promise<void>((resolve, reject) => {
        client.subscribe<ChangeData>(
          { query: CHANGES_SUBSCRIPTION, variables: { ns: 'resume', since: two.version!.hash } },
          {
            next: ({ data, errors }) => {
              if (errors) reject(new Error(JSON.stringify(errors)));
              if (data) seen.push(data.changes.version);
              if (seen.length === 1) resolve();
            },
            error: reject,
            complete: resolve,
          },
        );
      });
      expect(seen).toEqual([three.version?.hash]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('when the remote fails', () => {
  beforeAll(useFreshRemote);

  it('a write the remote never answered is a StorageFailure, nothing moves locally, and the next write works', async () => {
    const h = await replica();
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'outage' });
      const first = await put(h, 'outage', 'a.json', { a: 1 }, null);
      await remote.failNext(1, { service: 'git-receive-pack', status: 503 });
      const failed = await put(h, 'outage', 'a.json', { a: 2 }, first.version!.hash);
      expect(failed.__typename).toBe('StorageFailure');
      expect(await headOf(h, 'outage')).toBe(first.version?.hash);
      expect(remoteHistory('outage')).toEqual([first.version?.hash]);
      const next = await put(h, 'outage', 'a.json', { a: 2 }, first.version!.hash);
      expect(next.__typename).toBe('WritePayload');
    } finally {
      await h.close();
    }
  });

  it('creating a namespace while the remote is down is a StorageFailure, and works once it is back', async () => {
    const h = await replica();
    try {
      await remote.failNext(Infinity, { status: 503 });
      const res = await h.gql<{ createNamespace: { __typename: string; message: string } }>(CREATE_NAMESPACE, { name: 'during-outage' });
      expect(res.data.createNamespace.__typename).toBe('StorageFailure');
      expect(res.data.createNamespace.message).toMatch(/remote/);
      await remote.failNext(0);
      expect((await h.gql(CREATE_NAMESPACE, { name: 'during-outage' })).data).toMatchObject({ createNamespace: { name: 'during-outage' } });
    } finally {
      await remote.failNext(0);
      await h.close();
    }
  });

  it('a push that landed but whose answer was lost is replayed, not committed twice, when retried with its requestId', async () => {
    const h = await replica();
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'lost-answer' });
      const first = await put(h, 'lost-answer', 'a.json', { a: 1 }, null);
      await remote.failNext(1, { service: 'git-receive-pack', status: 502, afterBackend: true });
      const failed = await put(h, 'lost-answer', 'a.json', { a: 2 }, first.version!.hash, 'retry-me-1');
      expect(failed.__typename).toBe('StorageFailure');
      expect(remoteHistory('lost-answer')).toHaveLength(2);
      const retried = await put(h, 'lost-answer', 'a.json', { a: 2 }, first.version!.hash, 'retry-me-1');
      expect(retried).toMatchObject({ __typename: 'WritePayload', status: 'REPLAYED' });
      expect(remoteHistory('lost-answer')).toHaveLength(2);
      expect(retried.version?.hash).toBe(remoteHistory('lost-answer')[1]);
    } finally {
      await h.close();
    }
  });
});
