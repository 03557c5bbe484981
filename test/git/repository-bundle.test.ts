import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import type { RefSnapshot } from '../../src/git/repository-bundle.js';
import type { CommitRequest, GitRepository } from '../../src/git/repository.js';
import { RepositoryStore, SYSTEM_REPOSITORY } from '../../src/git/repository-store.js';

const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };

function request(parent: string | null, files: Record<string, string>): CommitRequest {
  return {
    parent,
    files: new Map(Object.entries(files).map(([p, t]) => [p, Buffer.from(t)])),
    author: sig,
    committer: sig,
    message: formatCommitMessage('x', { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }),
  };
}

function git(gitdir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function refsOf(gitdir: string): Record<string, string> {
  const listed = git(gitdir, 'for-each-ref', '--format=%(refname) %(objectname)').trim();
  return Object.fromEntries(listed ? listed.split('\n').map((line) => line.split(' ') as [string, string]) : []);
}

/** A repository's refs now, bundled to `file`. */
async function bundle(repo: GitRepository, file: string): Promise<RefSnapshot> {
  const refs = await repo.refSnapshot();
  await repo.writeBundle(refs, createWriteStream(file));
  return refs;
}

/** The snapshot a backup takes and the bundle it writes, restored by RepositoryStore.restore (checked with the git CLI). */
describe('repository bundles', () => {
  let root: string;
  let store: RepositoryStore;
  let target: RepositoryStore;
  const commit = (repo: GitRepository, files: Record<string, string>) => repo.exclusive(() => repo.commit(request(repo.head()?.oid ?? null, files)));

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-bundle-'));
    // Group commit on: a snapshot must wait for main's batches to reach the disk.
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: false }, { repackEvery: 0, maxCommitBatch: 8 });
    target = new RepositoryStore(path.join(root, 'restored'), { fsync: false });
    await Promise.all([store.init(), target.init()]);
  });

  afterEach(async () => {
    await Promise.all([store.close(), target.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('snapshots every ref (packed ones, tags, side branches, own refs) and restores exactly them, fsck clean', async () => {
    const repo = (await store.create('ns'))!;
    const first = await commit(repo, { 'a.json': '{"a":1}\n' });
    await repo.exclusive(() => repo.commitToBranch('refs/heads/environments/prod', null, request(first.oid, { 'b.json': '{}\n' })));
    await repo.exclusive(() => repo.createTag('v1', first.oid, sig, 'first'));
    await repo.moveRef('refs/cairn/webhooks/hook-1', null, first.oid);
    git(repo.gitdir, 'pack-refs', '--all');
    await commit(repo, { 'a.json': '{"a":2}\n' });
    // packed-refs keeps an annotated tag's peeled value (`refs/tags/v1^{}`): no ref, and no tag.
    expect((await repo.listTags()).map((t) => t.name)).toEqual(['v1']);

    const file = path.join(root, 'ns.bundle');
    const refs = await bundle(repo, file);
    expect(Object.fromEntries(refs)).toEqual(refsOf(repo.gitdir));
    expect([...refs.keys()].sort()).toEqual(['refs/cairn/webhooks/hook-1', 'refs/heads/environments/prod', 'refs/heads/main', 'refs/tags/v1']);

    await target.restore('ns', file, refs);
    const restored = path.join(root, 'restored', 'ns.git');
    git(restored, 'fsck', '--strict', '--no-progress');
    expect(refsOf(restored)).toEqual(Object.fromEntries(refs));
    expect(git(restored, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main');
    expect((await target.get('ns'))!.versionCount()).toBe(2);
    await expect(target.restore('ns', file, refs)).rejects.toThrow(/exists already/);
  });

  it('takes one state between writes: a snapshot during a stream of batched commits names one of them, and its bundle restores it', async () => {
    const repo = (await store.create('busy'))!;
    await commit(repo, { 'n.json': '0\n' });
    const writes: Promise<{ oid: string }>[] = [];
    for (let i = 1; i <= 40; i += 1) writes.push(commit(repo, { 'n.json': `${i}\n` }));
    const file = path.join(root, 'busy.bundle');
    const refs = await bundle(repo, file);
    const committed = await Promise.all(writes);
    const main = refs.get('refs/heads/main')!;
    expect(committed.map((c) => c.oid)).toContain(main);

    await target.restore('busy', file, refs);
    const restored = path.join(root, 'restored', 'busy.git');
    git(restored, 'fsck', '--strict', '--no-progress');
    expect(git(restored, 'rev-parse', 'main').trim()).toBe(main);
  });

  it('bundles and restores a repository without commits (a namespace just created), and the system repository', async () => {
    const empty = (await store.create('empty'))!;
    const file = path.join(root, 'empty.bundle');
    const refs = await bundle(empty, file);
    expect(refs.size).toBe(0);
    git(empty.gitdir, 'bundle', 'verify', '-q', file);
    await target.restore('empty', file, refs);
    expect(refsOf(path.join(root, 'restored', 'empty.git'))).toEqual({});
    expect((await target.get('empty'))!.head()).toBeNull();

    const system = await store.system();
    await commit(system, { 'webhooks/hook-1.json': '{}\n' });
    const systemFile = path.join(root, 'system.bundle');
    await target.restore(SYSTEM_REPOSITORY, systemFile, await bundle(system, systemFile));
    expect(await target.list()).toEqual(['empty']);
    expect((await target.systemIfExists())!.versionCount()).toBe(1);
  });
});
