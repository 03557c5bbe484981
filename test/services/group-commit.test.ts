import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSteps } from '../support/file-steps.js';
import { StorageError, VersionConflictError } from '../../src/domain/errors.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import type { Actor } from '../../src/services/actor.js';
import { type Cairn, createCairn } from '../../src/services/cairn.js';
import type { WriteOutcome } from '../../src/services/write-pipeline.js';
import { gitCli } from '../support/git-cli.js';

const ANN: Actor = { operator: { name: 'ann', email: 'ann@example.com', grants: new Map([['*', 'admin']]) }, ip: '10.0.0.7' };
const MAX_BATCH = 8;

/**
 * Group commit (CAIRN_MAX_COMMIT_BATCH) through the write pipeline over a real, fsynced repository: concurrent writes
 * of one namespace become one commit each, in a linear chain, written in batches; the file system steps are counted
 * (and failed) through the durability options' fault hook.
 */
describe('group commit', () => {
  let root: string;
  let store: RepositoryStore;
  let cairn: Cairn;
  let files: FileSteps;
  /** What listeners heard (the change feed, webhooks), with main as the disk had it when they heard it. */
  let heard: { oids: string[]; mainOnDisk: string }[];

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-group-commit-'));
    files = new FileSteps();
    heard = [];
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: true, faults: files.faults }, { repackEvery: 0, maxCommitBatch: MAX_BATCH });
    await store.init();
    cairn = createCairn({
      store,
      events: new EventTarget(),
      logger: pino({ level: 'silent' }),
      write: { committer: { name: 'Cairn', email: 'cairn@example.com' }, maxDocumentBytes: 1024 * 1024, clock: () => new Date() },
    });
    await cairn.namespaces.create(ANN, 'payments');
    store.onAppend((repo, commits, origin) => {
      if (repo.name !== 'payments' || origin !== 'commit') return;
      heard.push({ oids: commits.map((c) => c.oid), mainOnDisk: readFileSync(path.join(gitdir(), 'refs', 'heads', 'main'), 'utf8').trim() });
    });
  });

  afterEach(async () => {
    await cairn.webhookDispatcher.stop();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const gitdir = (): string => path.join(root, 'repos', 'payments.git');
  const git = async (...args: string[]): Promise<string> => (await gitCli(gitdir(), ...args)).trim();
  const put = (file: string, text: string, expectedVersion: string | null = null): Promise<WriteOutcome> =>
    cairn.updates.apply(ANN, { namespace: 'payments', expectedVersion, comment: `write ${file}` }, [{ path: file, text }]);
  const versionOf = (outcome: WriteOutcome): string => {
    if (outcome.kind !== 'committed') throw new Error(`expected a commit, got ${outcome.kind}`);
    return outcome.version.commit.oid;
  };
  const mainMoves = (): number => files.steps.filter((s) => s.step === 'rename' && s.file.endsWith(path.join('refs', 'heads', 'main'))).length;
  const fsyncs = (): number => files.steps.filter((s) => s.step === 'fsync').length;
  /** Main's commits, newest first (none before the first write). */
  const main = async (): Promise<string[]> => (await git('rev-list', '--first-parent', '--all')).split('\n').filter(Boolean);

  it('makes concurrent writes one commit each in a linear chain, with fewer ref moves and fsyncs than commits', async () => {
    const before = (await main()).length;
    files.steps = [];
    // Readers see main as the disk has it while a batch is being written: the versions they are told of survive a crash.
    const served = await store.get('payments');
    const readerViews: { head: string | null; onDisk: string }[] = [];
    files.during = (step, file) => {
      if (step === 'create' && file.endsWith('.pack')) {
        readerViews.push({ head: served?.head()?.oid ?? null, onDisk: readFileSync(path.join(gitdir(), 'refs', 'heads', 'main'), 'utf8').trim() });
      }
    };
    const writes = 48;
    const outcomes = await Promise.all(Array.from({ length: writes }, (_, i) => put(`clients/c${i}.json`, `{"client":${i}}\n`)));
    const versions = outcomes.map(versionOf);

    const chain = await main();
    expect(chain).toHaveLength(before + writes);
    expect(await git('rev-list', '--min-parents=2', 'main')).toBe('');
    // In the order they were queued: each write's commit is the parent of the next one's.
    expect(chain.slice(0, writes).reverse()).toEqual(versions);
    for (let i = 0; i < writes; i += 1) expect(await git('show', `${versions[i]}:clients/c${i}.json`)).toBe(`{"client":${i}}`);
    await git('fsck', '--strict', '--no-progress');

    expect(mainMoves()).toBeLessThan(writes);
    expect(fsyncs()).toBeLessThan(writes);
    // Listeners heard every commit once, in order, each only once main on disk had it.
    expect(heard.flatMap((h) => h.oids)).toEqual(versions);
    for (const h of heard) expect(h.mainOnDisk).toBe(h.oids.at(-1));
    expect(heard.some((h) => h.oids.length > 1)).toBe(true);
    expect(readerViews.length).toBeGreaterThan(0);
    for (const view of readerViews) expect(view.head).toBe(view.onDisk);
    // The commit index agrees with git after a restart (index file written per durable batch).
    await store.close();
    const reopened = new RepositoryStore(path.join(root, 'repos'), { fsync: true }, { repackEvery: 0, maxCommitBatch: MAX_BATCH });
    const repo = await reopened.get('payments');
    expect(repo?.versionCount()).toBe(before + writes);
    expect(repo?.head()?.oid).toBe(versions.at(-1));
    await reopened.close();
  });

  it("announces a change request's merge only once the merge is on disk, though writers keep batches going", async () => {
    const base = versionOf(await put('api.json', '{"replicas":1}\n'));
    const proposal = await cairn.proposals.propose(ANN, { namespace: 'payments', expectedVersion: base, comment: 'more' }, [
      { path: 'api.json', text: '{"replicas":3}\n' },
    ]);
    const announced: { version: string; mainOnDisk: string }[] = [];
    const publish = cairn.proposalEvents.publish.bind(cairn.proposalEvents);
    cairn.proposalEvents.publish = (event) => {
      if (event.action === 'merge')
        announced.push({ version: event.version, mainOnDisk: readFileSync(path.join(gitdir(), 'refs', 'heads', 'main'), 'utf8').trim() });
      publish(event);
    };
    // Writers queued before and after the merge: it is made inside a batching task, its commit queued.
    const writes = Array.from({ length: 8 }, (_, i) => put(`busy/b${i}.json`, `{"b":${i}}\n`));
    const merged = cairn.proposals.merge(ANN, 'payments', proposal.id);
    const more = Array.from({ length: 8 }, (_, i) => put(`busy/a${i}.json`, `{"a":${i}}\n`));
    await Promise.all([...writes, merged, ...more]);
    expect(announced).toHaveLength(1);
    expect(announced[0]!.version).toBe(versionOf(await merged));
    // main on disk had the merge (or a later commit on it) when the event went out.
    expect(
      await git('merge-base', '--is-ancestor', announced[0]!.version, announced[0]!.mainOnDisk).then(
        () => true,
        () => false,
      ),
    ).toBe(true);
  });

  it('refuses a stale expected version in the middle of a batch alone, and checks the writes after it against the ones before', async () => {
    const base = versionOf(await put('shared.json', '{"v":0}\n'));
    const results = await Promise.allSettled([
      put('other-1.json', '{"n":1}\n'),
      put('shared.json', '{"v":1}\n', base),
      // Planned against `base` as well: shared.json changed since, in the commit queued just before.
      put('shared.json', '{"v":2}\n', base),
      put('other-2.json', '{"n":2}\n'),
      // The document the write two places earlier created exists now: none was expected.
      put('other-1.json', '{"n":3}\n'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
    expect((results[4] as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
    const committed = results.flatMap((r) => (r.status === 'fulfilled' ? [versionOf(r.value)] : []));
    expect((await main()).slice(0, 3).reverse()).toEqual(committed);
    expect(await git('show', 'main:shared.json')).toBe('{"v":1}');
    await git('fsck', '--strict', '--no-progress');
  });

  it('fails every write of a batch that cannot be written, acknowledging none and leaving the index as the disk has it', async () => {
    const base = versionOf(await put('base.json', '{}\n'));
    heard = [];
    // Every batch of more than one commit is one pack: its creation fails, as on a full or broken disk.
    let packsRefused = 0;
    files.fail = (step, file) => step === 'create' && file.endsWith('.pack') && ++packsRefused > 0;
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => put(`failing/c${i}.json`, `{"client":${i}}\n`)));
    files.fail = null;

    expect(packsRefused).toBeGreaterThan(0);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(1);
    for (const r of refused) expect(r.reason).toBeInstanceOf(StorageError);
    // What was acknowledged is on disk; nothing else is, in git or in what the server serves and announces.
    const acknowledged = results.flatMap((r) => (r.status === 'fulfilled' ? [versionOf(r.value)] : []));
    const chain = await main();
    expect(chain.slice(0, acknowledged.length).reverse()).toEqual(acknowledged);
    expect(chain[acknowledged.length]).toBe(base);
    const repo = await store.get('payments');
    expect(repo?.versionCount()).toBe(chain.length);
    expect(repo?.head()?.oid).toBe(chain[0]);
    expect(heard.flatMap((h) => h.oids)).toEqual(acknowledged);
    const view = await cairn.namespaces.get(ANN, 'payments');
    expect(view.versionCount()).toBe(chain.length);

    // The next write builds on what is on disk.
    const after = versionOf(await put('after.json', '{"after":true}\n'));
    expect(await git('rev-parse', 'main^')).toBe(chain[0]);
    expect(await git('rev-parse', 'main')).toBe(after);
    await git('fsck', '--strict', '--no-progress');
  });
});
