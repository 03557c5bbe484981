import { describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { WorkBudget } from '../../src/domain/work-budget.js';
import { createBlobSource } from '../../src/services/blob-source.js';
import { storedDiff } from '../../src/services/diff.js';
import type { NamespaceReader } from '../../src/services/namespace-reader.js';
import { tempNamespace } from '../support/temp-namespace.js';

describe('a stored diff', () => {
  const temp = tempNamespace('cairn-stored-diff-');

  const commit = (files: Record<string, string>): Promise<{ tree: string }> =>
    temp.repo.exclusive(async () => {
      const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
      const message = formatCommitMessage('edit', { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null });
      const contents = new Map(Object.entries(files).map(([file, text]) => [file, Buffer.from(text)]));
      return temp.repo.commit({ parent: temp.repo.head()?.oid ?? null, files: contents, author: sig, committer: sig, message });
    });

  /** The repository, counting the blobs read through it. */
  const counting = (): { reader: NamespaceReader; reads: () => number } => {
    let reads = 0;
    const reader = new Proxy(temp.repo, {
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
    const changes = await temp.repo.changesBetween(before.tree, after.tree);
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
    const [change] = await temp.repo.changesBetween(before.tree, after.tree);
    const sizes = 7 + 13;
    for (const round of ['first, reading the blobs', 'again, from the values parsed before']) {
      const budget = new WorkBudget('CAIRN_MAX_READ_BYTES', 1_000_000, 'bytes read');
      const diff = storedDiff(temp.repo, createBlobSource(budget), change!);
      await diff.changes();
      await diff.patch();
      await diff.oldValue();
      await diff.newValue();
      expect(budget.spent, round).toBe(sizes);
    }
  });
});
