import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, PUT_CONFIG, REVERT, ROLLBACK, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

describe('rollback and revert', () => {
  let h: Harness;
  const v: string[] = [];
  const head = (): string => h.git('cfg', 'rev-parse', 'HEAD').trim();
  const put = async (path: string, content: unknown, expectedVersion: string | null): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'cfg', path, content, expectedVersion } });
    expect(res.data.putConfig.status, JSON.stringify(res.data)).toBe('COMMITTED');
    return res.data.putConfig.version!.hash;
  };
  const rollback = async (input: Record<string, unknown>) =>
    (await h.gql<{ rollback: WriteResult }>(ROLLBACK, { input: { namespace: 'cfg', ...input } })).data.rollback;
  const revert = async (input: Record<string, unknown>) =>
    (await h.gql<{ revert: WriteResult }>(REVERT, { input: { namespace: 'cfg', ...input } })).data.revert;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' });
    v.push(await put('app.json', { replicas: 1, features: { a: true } }, null)); // v0
    v.push(await put('db.yaml', { host: 'db1', pool: 5 }, null)); // v1
    v.push(await put('app.json', { replicas: 2, features: { a: true } }, v[1]!)); // v2
    const added = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, {
      input: {
        namespace: 'cfg',
        expectedVersion: v[2],
        changes: [
          { path: 'cache.json', content: { ttl: 60 } },
          { path: 'app.json', content: { replicas: 3, features: { a: false } } },
        ],
      },
    });
    v.push(added.data.applyChanges.version!.hash); // v3
  });

  afterAll(() => h.close());

  it('previews a rollback without committing: every document that would change, deletions included', async () => {
    const before = head();
    const preview = await rollback({ to: v[1], dryRun: true, expectedVersion: before });
    expect(preview.status).toBe('PREVIEW');
    expect(preview.base!.hash).toBe(before);
    expect(preview.files!.map((f) => [f.path, f.status])).toEqual([
      ['app.json', 'MODIFIED'],
      ['cache.json', 'DELETED'],
    ]);
    const app = preview.files![0]!;
    expect(app.changes).toEqual(
      expect.arrayContaining([
        { pointer: '/replicas', op: 'REPLACE', oldValue: 3, newValue: 1 },
        { pointer: '/features/a', op: 'REPLACE', oldValue: false, newValue: true },
      ]),
    );
    expect(head()).toBe(before);
  });

  it('rolls back as a new commit whose documents equal their content at the target, then is a no-op', async () => {
    const before = head();
    const done = await rollback({ to: v[1], expectedVersion: before, comment: 'bad release', requestId: 'rb-1' });
    expect(done.status).toBe('COMMITTED');
    expect(done.version!.action).toBe('ROLLBACK');
    const commit = done.version!.hash;
    expect(h.git('cfg', 'rev-parse', `${commit}^`).trim()).toBe(before);
    expect(h.git('cfg', 'ls-tree', '-r', commit).replace(/\t/g, ' ')).toBe(h.git('cfg', 'ls-tree', '-r', v[1]!).replace(/\t/g, ' '));
    expect(h.git('cfg', 'log', '-1', '--format=%(trailers:key=Cairn-Rollback-To,valueonly)', commit).trim()).toBe(v[1]);
    const again = await rollback({ to: v[1], expectedVersion: commit });
    expect(again.status).toBe('UNCHANGED');
    expect(head()).toBe(commit);
    const replay = await rollback({ to: v[1], expectedVersion: before, comment: 'bad release', requestId: 'rb-1' });
    expect(replay.status).toBe('REPLAYED');
    expect(replay.version!.hash).toBe(commit);
    // The key is bound to its request: the same rollback with another comment is another request.
    const other = await rollback({ to: v[1], expectedVersion: before, requestId: 'rb-1' });
    expect(other.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(head()).toBe(commit);
    h.git('cfg', 'fsck', '--strict');
  });

  it('rolls back only the chosen paths', async () => {
    const before = head();
    const res = await rollback({ to: v[3], paths: ['cache.json'], expectedVersion: before });
    expect(res.status).toBe('COMMITTED');
    expect(h.git('cfg', 'show', '--name-status', '--format=', res.version!.hash).trim()).toBe('A\tcache.json');
    expect(h.git('cfg', 'show', 'HEAD:cache.json')).toBe(h.git('cfg', 'show', `${v[3]}:cache.json`));
  });

  it('refuses a rollback confirmed against a stale preview', async () => {
    const stale = v[0]!;
    const before = head();
    const res = await rollback({ to: v[3], expectedVersion: stale });
    expect(res.__typename).toBe('VersionConflict');
    expect(res.currentVersion).toBe(before);
    expect(head()).toBe(before);
  });

  it('reverts one commit alone, keeping later changes to other values', async () => {
    const base = await put('svc.json', { a: 1, b: 1, c: 1 }, null);
    const target = await put('svc.json', { a: 2, b: 1, c: 1 }, base);
    const later = await put('svc.json', { a: 2, b: 5, c: 1 }, target);
    const preview = await revert({ version: target, dryRun: true, expectedVersion: later });
    expect(preview.status).toBe('PREVIEW');
    expect(preview.files![0]!.changes).toEqual([{ pointer: '/a', op: 'REPLACE', oldValue: 2, newValue: 1 }]);
    expect(head()).toBe(later);
    const done = await revert({ version: target, expectedVersion: later, comment: 'undo a' });
    expect(done.status).toBe('COMMITTED');
    expect(done.version!.action).toBe('REVERT');
    expect(JSON.parse(h.git('cfg', 'show', 'HEAD:svc.json'))).toEqual({ a: 1, b: 5, c: 1 });
    expect(h.git('cfg', 'log', '-1', '--format=%(trailers:key=Cairn-Reverts,valueonly)').trim()).toBe(target);
  });

  it('refuses a revert whose values changed again later, listing documents and pointers', async () => {
    const base = await put('conflict.json', { x: 1, y: 1 }, null);
    const target = await put('conflict.json', { x: 2, y: 1 }, base);
    const later = await put('conflict.json', { x: 3, y: 1 }, target);
    const res = await revert({ version: target, expectedVersion: later });
    expect(res.__typename).toBe('RevertConflict');
    expect(res.conflicts).toEqual([{ path: 'conflict.json', pointers: ['/x'] }]);
    const dry = await revert({ version: target, expectedVersion: later, dryRun: true });
    expect(dry.__typename).toBe('RevertConflict');
    expect(head()).toBe(later);
  });

  it('reverts a commit that added a document by deleting it, and preserves YAML comments when merging', async () => {
    const created = await put('temp.json', { t: 1 }, null);
    const res = await revert({ version: created, expectedVersion: created });
    expect(res.files!.map((f) => [f.path, f.status])).toEqual([['temp.json', 'DELETED']]);
    const yaml = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'cfg', path: 'y.yaml', text: '# owners: infra\nport: 80\nhost: a # primary\n', expectedVersion: null },
    });
    const bump = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'cfg', path: 'y.yaml', text: '# owners: infra\nport: 81\nhost: a # primary\n', expectedVersion: yaml.data.putConfig.version!.hash },
    });
    const other = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'cfg', path: 'y.yaml', text: '# owners: infra\nport: 81\nhost: b # primary\n', expectedVersion: bump.data.putConfig.version!.hash },
    });
    const undo = await revert({ version: bump.data.putConfig.version!.hash, expectedVersion: other.data.putConfig.version!.hash });
    expect(undo.status).toBe('COMMITTED');
    expect(h.git('cfg', 'show', 'HEAD:y.yaml')).toBe('# owners: infra\nport: 80\nhost: b # primary\n');
    h.git('cfg', 'fsck', '--strict');
  });
});
