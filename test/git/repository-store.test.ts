import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RepositoryStore } from '../../src/git/repository-store.js';

describe('RepositoryStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a namespace once when asked many times at once: one repository, the others told it exists', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cairn-store-'));
    dirs.push(dir);
    const store = new RepositoryStore(dir, { fsync: false });
    await store.init();
    // The same millisecond, the same process: each creation needs a temp directory of its own.
    const created = await Promise.all(Array.from({ length: 8 }, () => store.create('race')));
    expect(created.filter((repo) => repo !== null)).toHaveLength(1);
    expect(await store.list()).toEqual(['race']);
    await store.close();
  });

  it('lists from memory until the data directory changes: a repository made by hand appears, one removed goes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cairn-store-'));
    dirs.push(dir);
    const store = new RepositoryStore(dir, { fsync: false });
    await store.init();
    await store.create('alpha');
    expect(await store.list()).toEqual(['alpha']);
    // Inside a repository, not an entry of the data directory: the listing is not read again (alpha stays listed,
    // though a read of the directory would now leave it out for its missing HEAD).
    const stamp = statSync(dir).mtimeMs;
    unlinkSync(path.join(dir, 'alpha.git', 'HEAD'));
    expect(statSync(dir).mtimeMs).toBe(stamp);
    expect(await store.list()).toEqual(['alpha']);
    // A repository made with the git CLI adds an entry: the directory changed, it is read again.
    execFileSync('git', ['init', '--quiet', '--bare', path.join(dir, 'beta.git')]);
    expect(await store.list()).toEqual(['beta']);
    await store.close();
  });
});
