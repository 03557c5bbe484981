import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatCommitMessage } from '../../src/domain/commit-message.js';
import type { DeliveryAttempt } from '../../src/domain/webhook-delivery.js';
import { DeliveryLogFile } from '../../src/git/delivery-log-file.js';
import { RepositoryStore } from '../../src/git/repository-store.js';
import { RefMovedError } from '../../src/git/ref-store.js';
import type { GitRepository } from '../../src/git/repository.js';
import { moveWebhookCursor, readWebhookCursor, removeWebhookCursor, webhookCursorRef } from '../../src/git/webhook-cursor.js';

const ID = 'wh_0123456789abcdef01234567';

function attempt(seq: number): DeliveryAttempt {
  return {
    seq,
    eventId: `ns:${seq}`,
    version: 'a'.repeat(40),
    attempt: 1,
    trigger: 'event',
    at: new Date(0).toISOString(),
    statusCode: 200,
    latencyMs: 3,
    error: null,
    outcome: 'delivered',
    nextAttemptAt: null,
  };
}

async function commit(repo: GitRepository, i: number): Promise<string> {
  return repo.exclusive(async () => {
    const sig = { name: 'Ann', email: 'ann@example.com', timestamp: 1_700_000_000 + i, timezoneOffset: 0 };
    const message = formatCommitMessage(`c${i}`, { action: 'update', operatorIp: null, requestId: null, rollbackTo: null, reverts: null });
    return (
      await repo.commit({ parent: repo.head()?.oid ?? null, files: new Map([['a.json', Buffer.from(`{"i":${i}}`)]]), author: sig, committer: sig, message })
    ).oid;
  });
}

describe('webhook storage in the repository layer', () => {
  let root: string;
  let store: RepositoryStore;
  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-webhook-git-'));
    store = new RepositoryStore(path.join(root, 'repos'), { fsync: true });
    await store.init();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('the system repository is .cairn.git, created once even when asked for concurrently, and never listed as a namespace', async () => {
    expect(await store.systemIfExists()).toBeNull();
    expect(existsSync(path.join(root, 'repos', '.cairn.git'))).toBe(false);
    const [a, b] = await Promise.all([store.system(), store.system()]);
    expect(await store.systemIfExists()).toBe(a);
    expect(a).toBe(b);
    expect(a.gitdir).toBe(path.join(root, 'repos', '.cairn.git'));
    await store.create('ns');
    expect(await store.list()).toEqual(['ns']);
    execFileSync('git', ['--git-dir', a.gitdir, 'rev-parse', '--git-dir'], { stdio: 'pipe' });
  });

  it('cursor refs move with compare-and-swap, are git refs, and can be removed', async () => {
    const repo = (await store.create('ns'))!;
    const first = await commit(repo, 1);
    const second = await commit(repo, 2);
    expect(await readWebhookCursor(repo, ID)).toBeNull();
    await moveWebhookCursor(repo, ID, null, first);
    await expect(moveWebhookCursor(repo, ID, null, second)).rejects.toBeInstanceOf(RefMovedError);
    await moveWebhookCursor(repo, ID, first, second);
    const gitdir = path.join(root, 'repos', 'ns.git');
    expect(execFileSync('git', ['--git-dir', gitdir, 'rev-parse', webhookCursorRef(ID)], { encoding: 'utf8' }).trim()).toBe(second);
    expect(execFileSync('git', ['--git-dir', gitdir, 'log', '--format=%H', `${webhookCursorRef(ID)}..main`], { encoding: 'utf8' })).toBe('');
    execFileSync('git', ['--git-dir', gitdir, 'pack-refs', '--all'], { stdio: 'pipe' });
    expect(await readWebhookCursor(repo, ID)).toBe(second);
    await removeWebhookCursor(repo, ID);
    expect(await readWebhookCursor(repo, ID)).toBeNull();
    expect(readFileSync(path.join(gitdir, 'packed-refs'), 'utf8')).not.toContain(ID);
    expect(() => webhookCursorRef('../heads/main')).toThrow();
  });

  it('a cursor lock left by a crash is removed when the repository is opened', async () => {
    const repo = (await store.create('ns'))!;
    const oid = await commit(repo, 1);
    const lock = path.join(root, 'repos', 'ns.git', 'refs', 'cairn', 'webhooks', `${ID}.lock`);
    mkdirSync(path.dirname(lock), { recursive: true });
    writeFileSync(lock, `${oid}\n`);
    const reopened = await new RepositoryStore(path.join(root, 'repos'), { fsync: false }).get('ns');
    expect(existsSync(lock)).toBe(false);
    await moveWebhookCursor(reopened!, ID, null, oid);
    expect(await readWebhookCursor(reopened!, ID)).toBe(oid);
  });

  it('the delivery log file skips a torn line and starts the next append on a fresh line', async () => {
    const gitdir = (await store.system()).gitdir;
    const file = new DeliveryLogFile(gitdir, ID);
    expect(await file.load()).toEqual([]);
    await file.append(attempt(0));
    await file.append(attempt(1));
    const onDisk = path.join(gitdir, 'cairn', 'deliveries', `${ID}.jsonl`);
    appendFileSync(onDisk, '{"seq":2,"eventId":"ns:2","vers');
    const reopened = new DeliveryLogFile(gitdir, ID);
    expect((await reopened.load()).map((a) => a.seq)).toEqual([0, 1]);
    await reopened.append(attempt(3));
    expect((await reopened.load()).map((a) => a.seq)).toEqual([0, 1, 3]);
    await reopened.rewrite([attempt(3)]);
    expect(readFileSync(onDisk, 'utf8').trim().split('\n')).toHaveLength(1);
    await reopened.remove();
    expect(existsSync(onDisk)).toBe(false);
    expect(() => new DeliveryLogFile(gitdir, '../../x')).toThrow();
  });
});
