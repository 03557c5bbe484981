import { mkdtempSync, rmSync } from 'node:fs';
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
});
