import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { InvalidRefError } from '../../src/domain/errors.js';
import type { GitRepository } from '../../src/git/repository.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import { writeLoose } from '../support/loose-object.js';

const GIT_ENV = { ...process.env, GIT_COMMITTER_NAME: 'Cli', GIT_COMMITTER_EMAIL: 'cli@example.com' };

describe('version references', () => {
  let root: string;
  let repo: GitRepository;
  let gitdir: string;
  const commits: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-refs-'));
    const store = new RepositoryStore(path.join(root, 'repos'), { fsync: false });
    await store.init();
    repo = (await store.create('ns'))!;
    gitdir = path.join(root, 'repos', 'ns.git');
    for (let i = 0; i < 4; i += 1) {
      const commit = await repo.exclusive(() => {
        const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
        return repo.commit({
          parent: repo.head()?.oid ?? null,
          files: new Map([['a.json', Buffer.from(`{"i":${i}}\n`)]]),
          author: sig,
          committer: sig,
          message: formatCommitMessage(`c${i}`, { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null }),
        });
      });
      commits.push(commit.oid);
    }
    execFileSync('git', ['--git-dir', gitdir, 'tag', '-a', 'v1', '-m', 'first release', commits[1]!], { env: GIT_ENV });
    execFileSync('git', ['--git-dir', gitdir, 'tag', 'light', commits[2]!], { env: GIT_ENV });
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const resolve = (ref: string) => repo.resolve(ref);

  it('resolves HEAD, main, ~N, ^, full and short hashes, annotated and lightweight tags', async () => {
    expect(await resolve('HEAD')).toBe(commits[3]);
    expect(await resolve('main')).toBe(commits[3]);
    expect(await resolve('HEAD~2')).toBe(commits[1]);
    expect(await resolve('HEAD^^')).toBe(commits[1]);
    expect(await resolve('HEAD~1^')).toBe(commits[1]);
    expect(await resolve(commits[0]!)).toBe(commits[0]);
    expect(await resolve(commits[2]!.slice(0, 9))).toBe(commits[2]);
    expect(await resolve('v1')).toBe(commits[1]);
    expect(await resolve('v1~1')).toBe(commits[0]);
    expect(await resolve('light')).toBe(commits[2]);
    for (const ref of ['HEAD', 'HEAD~2', 'v1', 'light', commits[2]!.slice(0, 9)]) {
      expect(await resolve(ref)).toBe(execFileSync('git', ['--git-dir', gitdir, 'rev-parse', `${ref}^{commit}`], { encoding: 'utf8' }).trim());
    }
  });

  it('refuses unknown, malformed and ambiguous references with a typed reason', async () => {
    const reason = async (ref: string) => {
      try {
        await resolve(ref);
        return 'resolved';
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRefError);
        return (error as InvalidRefError).reason;
      }
    };
    expect(await reason('HEAD~4')).toBe('unknown');
    expect(await reason('nosuchtag')).toBe('unknown');
    expect(await reason('0000000000000000000000000000000000000000')).toBe('unknown');
    expect(await reason('../../etc')).toBe('malformed');
    expect(await reason('')).toBe('malformed');
    // Write blobs until two ids share a 4-digit prefix, then ask for that prefix.
    const seen = new Map<string, string>();
    let prefix: string | null = null;
    for (let i = 0; prefix === null; i += 1) {
      const oid = writeLoose(gitdir, 'blob', Buffer.from(`filler ${i}`));
      const key = oid.slice(0, 4);
      if (seen.has(key) && seen.get(key) !== oid) prefix = key;
      seen.set(key, oid);
    }
    expect(await reason(prefix)).toBe('ambiguous');
    // git agrees: the prefix names more than one object.
    expect(() => execFileSync('git', ['--git-dir', gitdir, 'rev-parse', '--verify', prefix], { stdio: 'ignore' })).toThrow();
  });
});
