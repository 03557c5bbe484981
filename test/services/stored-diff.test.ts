import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import type { GitRepository } from '../../src/git/repository.js';
import { WorkBudget } from '../../src/domain/work-budget.js';
import { createBlobSource } from '../../src/services/blob-source.js';
import { storedDiff } from '../../src/services/diff.js';
import type { NamespaceReader } from '../../src/services/namespace-reader.js';

describe('a stored diff', () => {
  let root: string;
  let store: RepositoryStore;
  let repo: GitRepository;

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-stored-diff-'));
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: false });
    await store.init();
    repo = (await store.create('ns'))!;
  });
  afterEach(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  const commit = (files: Record<string, string>): Promise<{ tree: string }> =>
    repo.exclusive(async () => {
      const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
      const message = formatCommitMessage('edit', { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null });
      const contents = new Map(Object.entries(files).map(([file, text]) => [file, Buffer.from(text)]));
      return repo.commit({ parent: repo.head()?.oid ?? null, files: contents, author: sig, committer: sig, message });
    });

  /** The repository, counting the blobs read through it. */
  const counting = (): { reader: NamespaceReader; reads: () => number } => {
    let reads = 0;
    const reader = new Proxy(repo, {
      get(target, key) {
        if (key === 'readBlob') {
          return (oid: string) => {
            reads += 1;
            return target.readBlob(oid);
          };
        }
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { reader, reads: () => reads };
  };

  it('takes values parsed before without reading their blobs again, and still reads the texts when asked', async () => {
    const before = await commit({ 'a.json': '{"x":1,"same":[1,2,3]}', 'b.yaml': 'y: 1\n' });
    const after = await commit({ 'a.json': '{"x":2,"same":[1,2,3]}', 'b.yaml': 'y: 2\n' });
    const changes = await repo.changesBetween(before.tree, after.tree);
    const diffOf = (reader: NamespaceReader) => {
      const blobs = createBlobSource();
      return changes.map((c) => storedDiff(reader, blobs, c));
    };

    const first = counting();
    const parsed = await Promise.all(diffOf(first.reader).map((d) => d.changes()));
    expect(parsed).toEqual([[{ pointer: '/x', op: 'replace', oldValue: 1, newValue: 2 }], [{ pointer: '/y', op: 'replace', oldValue: 1, newValue: 2 }]]);
    expect(first.reads()).toBe(4);

    const again = counting();
    const diffs = diffOf(again.reader);
    expect(await Promise.all(diffs.map((d) => d.changes()))).toEqual(parsed);
    expect(again.reads()).toBe(0);
    expect(await diffs[1]!.oldText()).toBe('y: 1\n');
    expect(again.reads()).toBe(2);
  });

  it("charges the request's budget once per side, however many representations are asked", async () => {
    const before = await commit({ 'a.json': '{"x":1}' });
    const after = await commit({ 'a.json': '{"x":2,"y":3}' });
    const [change] = await repo.changesBetween(before.tree, after.tree);
    const sizes = 7 + 13;
    for (const round of ['first, reading the blobs', 'again, from the values parsed before']) {
      const budget = new WorkBudget('CAIRN_MAX_READ_BYTES', 1_000_000, 'bytes read');
      const diff = storedDiff(repo, createBlobSource(budget), change!);
      await diff.changes();
      await diff.patch();
      await diff.oldValue();
      await diff.newValue();
      expect(budget.spent, round).toBe(sizes);
    }
  });
});
