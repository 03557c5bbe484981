import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { TooExpensiveError } from '../../src/domain/errors.js';
import type { Actor } from '../../src/services/actor.js';
import { BlameService, DEFAULT_MAX_BLAME_ENTRIES, DEFAULT_MAX_BLAME_VALUES, MAX_BLAME_VALUES_SETTING } from '../../src/services/blame.js';
import { createBlobSource } from '../../src/services/blob-source.js';
import { NamespaceAccess } from '../../src/services/namespace-access.js';
import { versionAt } from '../../src/services/version-view.js';
import { tempNamespace } from '../support/temp-namespace.js';

const VIEWER: Actor = { operator: { name: 'Vic', email: 'vic@example.com', grants: new Map([['ns', 'viewer' as const]]) }, ip: '127.0.0.1' };

describe('blame service', () => {
  const temp = tempNamespace('cairn-blame-');

  const commit = (text: string): Promise<unknown> =>
    temp.repo.exclusive(async () => {
      const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 0 };
      const message = formatCommitMessage('edit', { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null });
      return temp.repo.commit({
        parent: temp.repo.head()?.oid ?? null,
        files: new Map([['list.json', Buffer.from(text)]]),
        author: sig,
        committer: sig,
        message,
      });
    });

  /** 1,000 numbers, then 20 versions each changing one: every version is read, and each keeps nearly every leaf pending. */
  const writeHistory = async (): Promise<void> => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    await commit(JSON.stringify(values));
    for (let k = 1; k <= 20; k += 1) {
      values[k] = -k;
      await commit(JSON.stringify(values));
    }
  };

  const blame = (maxValues?: number, pointer?: string) =>
    new BlameService(new NamespaceAccess(temp.store), maxValues === undefined ? {} : { maxValues }).blame(VIEWER, createBlobSource(), 'ns', {
      path: 'list.json',
      pointer: pointer ?? null,
    });

  it('answers within its limit, and refuses the same blame with TooExpensive naming CAIRN_MAX_BLAME_VALUES below it', async () => {
    await writeHistory();
    const answered = await blame(200_000);
    expect(answered.entries).toHaveLength(1000);
    const log = execFileSync('git', ['--git-dir', path.join(temp.root, 'repos', 'ns.git'), 'rev-list', '--reverse', 'main'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(answered.entries.slice(0, 22).map((e) => log.indexOf(e.version.commit.oid))).toEqual([0, ...Array.from({ length: 20 }, (_, k) => k + 1), 0]);
    // 21 versions of 1,001 values read, 1,000 leaves and their pointers, about 1,000 pointers looked at per version.
    const refusal = await blame(30_000).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TooExpensiveError);
    expect(refusal).toMatchObject({ code: 'TOO_EXPENSIVE', limit: MAX_BLAME_VALUES_SETTING, detail: 'blame reads and compares values: more than 30000' });
    expect(MAX_BLAME_VALUES_SETTING).toBe('CAIRN_MAX_BLAME_VALUES');
    expect((await blame()).entries).toHaveLength(1000);
    expect(DEFAULT_MAX_BLAME_VALUES).toBe(100_000_000);
  });

  it('holds a blame of a document already read (ConfigDocument.blame) to the same limit', async () => {
    await writeHistory();
    const service = new BlameService(new NamespaceAccess(temp.store), { maxValues: 20_000 });
    const at = await versionAt(temp.repo, 'HEAD');
    await expect(service.blameAt(temp.repo, createBlobSource(), 'list.json', at, '')).rejects.toBeInstanceOf(TooExpensiveError);
    // A pointer narrows the leaves, not the documents read: /1 was set by the second version, so all 21 are read.
    await expect(service.blameAt(temp.repo, createBlobSource(), 'list.json', at, '/1')).rejects.toBeInstanceOf(TooExpensiveError);
    expect((await service.blameAt(temp.repo, createBlobSource(), 'list.json', at, '/20')).entries).toHaveLength(1);
  });

  it('refuses a document too big to blame before walking any of its history', async () => {
    await commit(JSON.stringify(Array.from({ length: 20_000 }, () => ({ a: [0] }))));
    await expect(blame(50_000)).rejects.toMatchObject({ limit: 'CAIRN_MAX_BLAME_VALUES' });
  });

  it('refuses an answer of more entries than CAIRN_MAX_BLAME_ENTRIES, and answers a subtree of the same document', async () => {
    expect(DEFAULT_MAX_BLAME_ENTRIES).toBe(25_000);
    await commit(JSON.stringify({ small: [1, 2, 3], big: Array.from({ length: DEFAULT_MAX_BLAME_ENTRIES }, (_, i) => i) }));
    await expect(blame()).rejects.toMatchObject({ code: 'TOO_EXPENSIVE', limit: 'CAIRN_MAX_BLAME_ENTRIES' });
    expect((await blame(undefined, '/small')).entries.map((e) => e.pointer)).toEqual(['/small/0', '/small/1', '/small/2']);
    expect((await blame(undefined, '/big')).entries).toHaveLength(DEFAULT_MAX_BLAME_ENTRIES);
    const service = new BlameService(new NamespaceAccess(temp.store), { maxEntries: 2 });
    await expect(service.blame(VIEWER, createBlobSource(), 'ns', { path: 'list.json', pointer: '/small' })).rejects.toMatchObject({
      limit: 'CAIRN_MAX_BLAME_ENTRIES',
    });
  });
});
