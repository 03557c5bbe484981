import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { ObjectStore } from '../../src/git/object-store.js';
import { GitRepository } from '../../src/git/repository.js';
import { RepositoryStore } from '../../src/git/repository-store.js';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Cli User',
  GIT_AUTHOR_EMAIL: 'cli@example.com',
  GIT_COMMITTER_NAME: 'Cli User',
  GIT_COMMITTER_EMAIL: 'cli@example.com',
};

describe('the commit index agrees with git log', () => {
  let root: string;
  let store: RepositoryStore;
  let gitdir: string;
  let clock = 1_700_000_000;

  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8', env: GIT_ENV });

  /** What git log says about main: hash, author, changed paths; newest first. */
  const fromGit = (): string[] =>
    git('log', '--first-parent', '--no-renames', '--format=%x1e%H %an <%ae>', '--name-only')
      .split('\x1e')
      .filter(Boolean)
      .map((block) => {
        const [head, ...paths] = block.trim().split('\n').filter(Boolean);
        return `${head} ${paths.sort().join(',')}`;
      });

  const fromIndex = (repo: GitRepository): string[] => {
    const out: string[] = [];
    for (let seq = repo.versionCount() - 1; seq >= 0; seq -= 1) {
      const c = repo.mainCommitAt(seq)!;
      out.push(
        `${c.oid} ${c.author.name} <${c.author.email}> ${c.changes
          .map((x) => x.path)
          .sort()
          .join(',')}`,
      );
    }
    return out;
  };

  const commit = async (repo: GitRepository, files: Record<string, string | null>, who = 'Ann'): Promise<string> =>
    repo.exclusive(async () => {
      clock += 60;
      const sig = { name: who, email: `${who.toLowerCase()}@example.com`, timestamp: clock, timezoneOffset: 0 };
      const result = await repo.commit({
        parent: repo.head()?.oid ?? null,
        files: new Map(Object.entries(files).map(([p, t]) => [p, t === null ? null : Buffer.from(t)])),
        author: sig,
        committer: { ...sig, name: 'Cairn', email: 'cairn@localhost' },
        message: formatCommitMessage('change', { action: 'update', operatorIp: '127.0.0.1', requestId: null, rollbackTo: null, reverts: null }),
      });
      return result.oid;
    });

  const reopen = async (): Promise<GitRepository> => {
    const fresh = new RepositoryStore(path.join(root, 'repos'), { fsync: false });
    return (await fresh.get('ns'))!;
  };

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-index-'));
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: false });
    await store.init();
    await store.create('ns');
    gitdir = path.join(root, 'repos', 'ns.git');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('after writes, after a restart, after the index file is deleted', async () => {
    const repo = (await store.get('ns'))!;
    await commit(repo, { 'a.json': '{"a":1}\n', 'dir/b.yaml': 'b: 1\n' });
    await commit(repo, { 'a.json': '{"a":2}\n' }, 'Bob');
    await commit(repo, { 'dir/b.yaml': null, 'dir/sub/c.json': '[]\n' });
    for (let i = 0; i < 20; i += 1) await commit(repo, { [`many/${i % 5}.json`]: `{"i":${i}}\n` }, i % 2 ? 'Bob' : 'Ann');
    await repo.indexPersisted();
    expect(fromIndex(repo)).toEqual(fromGit());
    const restarted = await reopen();
    expect(fromIndex(restarted)).toEqual(fromGit());
    rmSync(path.join(gitdir, 'cairn'), { recursive: true });
    const rebuilt = await reopen();
    expect(fromIndex(rebuilt)).toEqual(fromGit());
    await rebuilt.indexPersisted();
    expect(
      readFileSync(path.join(gitdir, 'cairn', 'commits.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(24);
  });

  it('reuses the index file a crashed process wrote: a restart reads no commit from Git', async () => {
    const repo = (await store.get('ns'))!;
    for (let i = 0; i < 10; i += 1) await commit(repo, { [`d${i % 3}.json`]: `{"i":${i}}\n` });
    await repo.indexPersisted();
    // No close: the process died with the repository open. A new process opens it.
    const reads = vi.spyOn(ObjectStore.prototype, 'readCommit');
    try {
      const restarted = await reopen();
      expect(reads).not.toHaveBeenCalled();
      expect(fromIndex(restarted)).toEqual(fromGit());
    } finally {
      reads.mockRestore();
    }
  });

  it('after commits made with the git CLI while the server was stopped', async () => {
    const repo = (await store.get('ns'))!;
    await commit(repo, { 'a.json': '{"a":1}\n' });
    await repo.indexPersisted();
    const work = path.join(root, 'work');
    execFileSync('git', ['clone', '-q', gitdir, work], { env: GIT_ENV });
    writeFileSync(path.join(work, 'cli.json'), '{"cli":true}\n');
    writeFileSync(path.join(work, 'a.json'), '{"a":9}\n');
    execFileSync('git', ['-C', work, 'add', '.'], { env: GIT_ENV });
    execFileSync('git', ['-C', work, 'commit', '-q', '-m', 'from the cli'], { env: GIT_ENV });
    execFileSync('git', ['-C', work, 'push', '-q', 'origin', 'HEAD:main'], { env: GIT_ENV });
    const restarted = await reopen();
    expect(fromIndex(restarted)).toEqual(fromGit());
    expect(restarted.head()!.trailers).toBeNull();
    expect(restarted.head()!.author.name).toBe('Cli User');
  });

  it('rebuilds when history was rewritten, and drops a torn tail of the index file', async () => {
    const repo = (await store.get('ns'))!;
    for (let i = 0; i < 5; i += 1) await commit(repo, { 'x.json': `{"x":${i}}\n` });
    await repo.indexPersisted();
    git('update-ref', 'refs/heads/main', 'HEAD~2');
    const rewound = await reopen();
    expect(fromIndex(rewound)).toEqual(fromGit());
    expect(rewound.versionCount()).toBe(3);
    await rewound.indexPersisted();
    appendFileSync(path.join(gitdir, 'cairn', 'commits.jsonl'), '["torn li');
    const healed = await reopen();
    expect(fromIndex(healed)).toEqual(fromGit());
    await healed.indexPersisted();
    expect(readFileSync(path.join(gitdir, 'cairn', 'commits.jsonl'), 'utf8')).not.toContain('torn');
  });
});
