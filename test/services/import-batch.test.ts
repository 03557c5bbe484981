import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSteps } from '../support/file-steps.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import type { Actor } from '../../src/services/actor.js';
import { type Cairn, createCairn } from '../../src/services/cairn.js';
import type { ImportedCommit } from '../../src/services/import-history.js';
import { gitCli } from '../support/git-cli.js';

const ANN: Actor = { operator: { name: 'ann', email: 'ann@example.com', grants: new Map([['*', 'admin']]) }, ip: '10.0.0.7' };
const COMMITS = 40;

function imported(i: number, text = `{"step":${i}}\n`): ImportedCommit {
  return {
    author: { name: 'Old Author', email: 'old@example.com' },
    authoredAt: new Date(Date.UTC(2019, 4, 6, 7, 8, i)),
    timezoneOffset: -420,
    message: `step ${i}`,
    changes: [{ path: `dir-${i % 3}/doc-${i % 7}.json`, text }],
  };
}

/**
 * A batch of a history import reaches the disk as one unit whatever group commit's setting (CAIRN_MAX_COMMIT_BATCH
 * off, or smaller than the batch): one pack, one move of main, one round of fsyncs; every commit still its own in
 * git log, the index and the feed. File system steps are counted through the durability options' fault hook.
 */
describe.each([0, 8])('a history import batch with CAIRN_MAX_COMMIT_BATCH=%i', (maxCommitBatch) => {
  let root: string;
  let store: RepositoryStore;
  let cairn: Cairn;
  let files: FileSteps;
  let heard: string[][];

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-import-batch-'));
    files = new FileSteps();
    heard = [];
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: true, faults: files.faults }, { repackEvery: 0, maxCommitBatch });
    await store.init();
    cairn = createCairn({
      store,
      events: new EventTarget(),
      logger: pino({ level: 'silent' }),
      write: { committer: { name: 'Cairn', email: 'cairn@example.com' }, maxDocumentBytes: 1024 * 1024, clock: () => new Date() },
    });
    await cairn.namespaces.create(ANN, 'history');
    // An import into a namespace with a history of its own: the batch builds on its head.
    await cairn.updates.apply(ANN, { namespace: 'history', expectedVersion: null, comment: 'seed' }, [{ path: 'seed.json', text: '{}\n' }]);
    store.onAppend((repo, commits, origin) => {
      if (repo.name === 'history' && origin === 'commit') heard.push(commits.map((c) => c.oid));
    });
  });

  afterEach(async () => {
    await cairn.webhookDispatcher.stop();
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const gitdir = (): string => path.join(root, 'repos', 'history.git');
  const git = async (...args: string[]): Promise<string> => (await gitCli(gitdir(), ...args)).trim();
  const mainOnDisk = (): string => readFileSync(path.join(gitdir(), 'refs', 'heads', 'main'), 'utf8').trim();
  const mainMoves = (): number => files.steps.filter((s) => s.step === 'rename' && s.file.endsWith(path.join('refs', 'heads', 'main'))).length;
  const packs = (): number => readdirSync(path.join(gitdir(), 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;
  const looseObjects = (): number =>
    readdirSync(path.join(gitdir(), 'objects'))
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .reduce((n, d) => n + readdirSync(path.join(gitdir(), 'objects', d)).length, 0);
  const oids = (outcomes: readonly { kind: string; version?: { commit: { oid: string } } | null }[]): string[] =>
    outcomes.map((o) => (o.kind === 'committed' && o.version ? o.version.commit.oid : `not committed: ${o.kind}`));

  it('writes the whole batch as one pack and moves main once, after which every commit is in git log, the index and the feed', async () => {
    const head = await git('rev-parse', 'main');
    const [packsBefore, looseBefore] = [packs(), looseObjects()];
    const repo = await store.get('history');
    // Readers see main as the disk has it while the batch is written: a version they are told of survives a crash.
    const readerViews: { head: string | null; onDisk: string }[] = [];
    files.during = (step, file) => {
      if (step === 'create' && file.endsWith('.pack')) readerViews.push({ head: repo?.head()?.oid ?? null, onDisk: mainOnDisk() });
    };
    files.steps = [];
    const commits = Array.from({ length: COMMITS }, (_, i) => imported(i));
    const { outcomes } = await cairn.imports.importBatch(ANN, { namespace: 'history', expectedVersion: head, requestId: 'batch', commits });

    const versions = oids(outcomes);
    expect(mainMoves()).toBe(1);
    expect(packs()).toBe(packsBefore + 1);
    expect(looseObjects()).toBe(looseBefore);
    // One round: the pack, its index, their directory, the ref and its directory; loose objects cost one per object.
    expect(files.steps.filter((s) => s.step === 'fsync').length).toBeLessThan(10);
    expect(readerViews).toEqual([{ head, onDisk: head }]);
    expect(mainOnDisk()).toBe(versions.at(-1));
    expect((await git('rev-list', '--reverse', 'main')).split('\n').slice(-COMMITS)).toEqual(versions);
    expect((await git('log', '--reverse', '--format=%an|%at|%s', `-${COMMITS}`)).split('\n')).toEqual(
      commits.map((c) => `Old Author|${c.authoredAt.getTime() / 1000}|${c.message}`),
    );
    expect(await git('show', 'main:dir-0/doc-4.json')).toBe('{"step":39}');
    expect(await git('fsck', '--strict', '--no-progress')).toBe('');
    expect(heard).toEqual([versions]);
    expect(repo?.head()?.oid).toBe(versions.at(-1));

    // Sent again, the batch replays from the index: nothing is written.
    files.steps = [];
    const again = await cairn.imports.importBatch(ANN, { namespace: 'history', expectedVersion: head, requestId: 'batch', commits });
    expect(again.outcomes.map((o) => o.kind === 'committed' && o.replayed)).toEqual(commits.map(() => true));
    expect(mainMoves()).toBe(0);

    // The index file was written with the batch: a restart agrees with git.
    await store.close();
    const reopened = new RepositoryStore(path.join(root, 'repos'), { fsync: true }, { repackEvery: 0, maxCommitBatch });
    const after = await reopened.get('history');
    expect(after?.head()?.oid).toBe(versions.at(-1));
    expect(after?.versionCount()).toBe(Number(await git('rev-list', '--count', 'main')));
    await reopened.close();
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: true }, { repackEvery: 0, maxCommitBatch });
  });

  it('keeps the commits before a refused one, landed together, and a write after the batch builds on them', async () => {
    const head = await git('rev-parse', 'main');
    files.steps = [];
    const commits = [imported(0), imported(1), imported(2, '{"broken": '), imported(3)];
    await expect(cairn.imports.importBatch(ANN, { namespace: 'history', expectedVersion: head, requestId: 'mid', commits })).rejects.toThrow();
    expect(mainMoves()).toBe(1);
    expect((await git('log', '--format=%s', '-2')).split('\n')).toEqual(['step 1', 'step 0']);
    expect(await git('fsck', '--strict', '--no-progress')).toBe('');
    const landed = await git('rev-parse', 'main');
    const next = await cairn.updates.apply(ANN, { namespace: 'history', expectedVersion: landed, comment: 'after' }, [{ path: 'after.json', text: '{}\n' }]);
    expect(next.kind).toBe('committed');
    expect(await git('rev-parse', 'main^')).toBe(landed);
  });

  it('fails the batch as a whole when its pack cannot be written: nothing of it is served, announced or on disk', async () => {
    const head = await git('rev-parse', 'main');
    files.fail = (step, file) => step === 'create' && file.endsWith('.pack');
    const commits = Array.from({ length: 5 }, (_, i) => imported(i));
    await expect(cairn.imports.importBatch(ANN, { namespace: 'history', expectedVersion: head, requestId: 'eio', commits })).rejects.toThrow(/EIO/);
    files.fail = null;
    expect(await git('rev-parse', 'main')).toBe(head);
    expect(heard).toEqual([]);
    const repo = await store.get('history');
    expect(repo?.head()?.oid).toBe(head);
    // Sent again, the batch lands.
    const { outcomes } = await cairn.imports.importBatch(ANN, { namespace: 'history', expectedVersion: head, requestId: 'eio', commits });
    expect(oids(outcomes).at(-1)).toBe(await git('rev-parse', 'main'));
    expect(await git('fsck', '--strict', '--no-progress')).toBe('');
  });
});
