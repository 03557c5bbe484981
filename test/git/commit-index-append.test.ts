import { describe, expect, it, vi } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import { CommitIndex } from '../../src/git/commit-index.js';

const decoded = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/git/index-file.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/git/index-file.js')>();
  return {
    ...original,
    decodeRecord: (text: string) => {
      decoded.count += 1;
      return original.decodeRecord(text);
    },
  };
});

const person = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000, timezoneOffset: 60 };

/** A commit Cairn makes is indexed from what it has: its index line is encoded once and never decoded back. */
describe('appending to the commit index', () => {
  it('returns the commit as a decode of its line would, without decoding it', () => {
    const index = new CommitIndex();
    const message = formatCommitMessage('set the limit', { action: 'update', requestId: 'req-1', operatorIp: null, rollbackTo: null, reverts: null });
    const changes = [{ path: 'a.json', status: 'added' as const, oldOid: null, newOid: 'b'.repeat(40) }];
    const commit = { oid: 'c'.repeat(40), tree: 'd'.repeat(40), parents: [], author: person, committer: person, message };
    decoded.count = 0;
    const appended = index.append(commit, changes);
    expect(decoded.count).toBe(0);
    expect(index.withRequestId('req-1')).toBe(appended);
    expect(appended).toMatchObject({ seq: 0, oid: commit.oid, comment: 'set the limit', changes });
    expect(appended.trailers?.requestId).toBe('req-1');
    // The same commit from its line, as after a restart.
    const reloaded = new CommitIndex();
    reloaded.appendEncoded(index.linesFrom(0)[0] ?? '', { commit, changes });
    expect(reloaded.at(0)).toEqual(appended);
  });
});
