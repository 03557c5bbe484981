import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import { FileSteps } from '../support/file-steps.js';

describe('housekeeping', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('packs loose objects every N commits, and everything stays readable', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-repack-'));
    const store = new RepositoryStore(path.join(root, 'repos'), { fsync: false }, { repackEvery: 5 });
    await store.init();
    const repo = (await store.create('ns'))!;
    const gitdir = path.join(root, 'repos', 'ns.git');
    const written: { oid: string; text: string }[] = [];
    for (let i = 0; i < 12; i += 1) {
      const text = `{"i":${i}}\n`;
      const commit = await repo.exclusive(async () => {
        const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
        return repo.commit({
          parent: repo.head()?.oid ?? null,
          files: new Map([[`docs/${i % 3}.json`, Buffer.from(text)]]),
          author: sig,
          committer: sig,
          message: formatCommitMessage(`c${i}`, { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }),
        });
      });
      written.push({ oid: commit.oid, text });
    }
    expect(repo.lastRepackError).toBeNull();
    const counts = execFileSync('git', ['--git-dir', gitdir, 'count-objects', '-v'], { encoding: 'utf8' });
    expect(Number(/packs: (\d+)/.exec(counts)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/in-pack: (\d+)/.exec(counts)?.[1])).toBeGreaterThan(20);
    for (const { oid, text } of written) {
      const i = written.findIndex((w) => w.oid === oid);
      const blob = await repo.blobAt(oid, `docs/${i % 3}.json`);
      expect(await repo.readText(blob!)).toBe(text);
    }
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict']);
  });

  describe("beside an operator's git gc", () => {
    const setUp = async () => {
      root = mkdtempSync(path.join(tmpdir(), 'cairn-gc-'));
      const steps = new FileSteps();
      const store = new RepositoryStore(path.join(root, 'repos'), { fsync: true, faults: steps.faults }, { repackEvery: 0 });
      await store.init();
      const repo = (await store.create('ns'))!;
      const gitdir = path.join(root, 'repos', 'ns.git');
      const put = (i: number, text: string) =>
        repo.exclusive(async () => {
          const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
          return repo.commit({
            parent: repo.head()?.oid ?? null,
            files: new Map([['doc.json', Buffer.from(text)]]),
            author: sig,
            committer: sig,
            message: formatCommitMessage(`c${i}`, { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }),
          });
        });
      return { steps, gitdir, put };
    };

    it('makes the fan-out directories a gc removed again, and syncs their entries in objects/', async () => {
      const { steps, gitdir, put } = await setUp();
      await put(0, '{"v":0}\n');
      const fanOut = path.join(gitdir, 'objects', blobId('{"v":0}\n').slice(0, 2));
      execFileSync('git', ['--git-dir', gitdir, 'gc', '--quiet', '--prune=now']);
      expect(existsSync(fanOut)).toBe(false);
      // A new document whose blob goes to the directory the first one used.
      let n = 1;
      while (path.join(gitdir, 'objects', blobId(`{"v":${n}}\n`).slice(0, 2)) !== fanOut) n += 1;
      steps.steps = [];
      const commit = await put(1, `{"v":${n}}\n`);
      expect(execFileSync('git', ['--git-dir', gitdir, 'show', `${commit.oid}:doc.json`], { encoding: 'utf8' })).toBe(`{"v":${n}}\n`);
      // Made again, the directory is a new entry of objects/: objects/ is synced before the ref moves.
      const synced = steps.steps.filter((s) => s.step === 'fsync').map((s) => s.file);
      expect(synced).toContain(path.join(gitdir, 'objects'));
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict']);
    });

    it('commits when a packer removes a directory between the object and its fsync', async () => {
      const { steps, gitdir, put } = await setUp();
      await put(0, '{"v":0}\n');
      const blob = blobId('{"v":1}\n');
      const fanOut = path.join(gitdir, 'objects', blob.slice(0, 2));
      // What a concurrent `git repack` + `git prune-packed` does: the loose objects go into a pack, their emptied directory goes.
      steps.during = (step, file) => {
        if (step !== 'fsync' || file !== fanOut) return;
        const loose = readdirSync(fanOut).map((name) => `${path.basename(fanOut)}${name}\n`);
        execFileSync('git', ['--git-dir', gitdir, 'pack-objects', '-q', path.join(gitdir, 'objects', 'pack', 'pack')], { input: loose.join('') });
        execFileSync('git', ['--git-dir', gitdir, 'prune-packed']);
      };
      const commit = await put(1, '{"v":1}\n');
      expect(existsSync(fanOut)).toBe(false);
      expect(execFileSync('git', ['--git-dir', gitdir, 'show', `${commit.oid}:doc.json`], { encoding: 'utf8' })).toBe('{"v":1}\n');
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict']);
    });
  });

  it("folds the batches' packs once 16 gathered", async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-fold-'));
    const store = new RepositoryStore(path.join(root, 'repos'), { fsync: false }, { repackEvery: 0, maxCommitBatch: 32 });
    await store.init();
    const repo = (await store.create('ns'))!;
    const packDir = path.join(root, 'repos', 'ns.git', 'objects', 'pack');
    const packs = (): number => readdirSync(packDir).filter((f) => f.endsWith('.pack')).length;
    let i = 0;
    const commitTwice = (): Promise<void> =>
      repo.exclusive(() =>
        repo.batchCommits(async () => {
          for (let k = 0; k < 2; k += 1, i += 1) {
            const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
            await repo.commit({
              parent: repo.head()?.oid ?? null,
              files: new Map([[`docs/${i}.json`, Buffer.from(`{"i":${i}}\n`)]]),
              author: sig,
              committer: sig,
              message: formatCommitMessage(`c${i}`, { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }),
            });
          }
        }),
      );
    // Each task's two commits are one batch, one pack, written once the task ended: the 17th task finds 16.
    for (let batch = 0; batch < 17; batch += 1) await commitTwice();
    await repo.drain();
    expect(repo.lastRepackError).toBeNull();
    expect(packs()).toBeLessThan(17);
    execFileSync('git', ['--git-dir', path.join(root, 'repos', 'ns.git'), 'fsck', '--strict'], { stdio: 'pipe' });
    expect(execFileSync('git', ['--git-dir', path.join(root, 'repos', 'ns.git'), 'rev-list', '--count', 'main'], { encoding: 'utf8' }).trim()).toBe('34');
    await store.close();
  });
});

function blobId(text: string): string {
  return createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');
}
