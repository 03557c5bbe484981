import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { CREATE_WEBHOOK, WEBHOOK } from '../support/webhook-operations.js';
import { ADMIN, EDITOR } from '../support/tokens.js';

/** The importHistory mutation the CLI's `import --git` drives, checked at the API. */
const IMPORT = `mutation($input: ImportHistoryInput!) { importHistory(input: $input) { __typename
  ... on ImportHistoryPayload { commits { status version { hash action operator { name email } requestId comment } } }
  ... on Error { message code }
  ... on VersionConflict { expectedVersion currentVersion }
  ... on InvalidDocument { path line }
  ... on Forbidden { requiredRole } } }`;

interface Payload {
  __typename: string;
  commits?: { status: string; version: { hash: string; action: string; operator: { name: string; email: string }; requestId: string; comment: string } }[];
  [key: string]: unknown;
}

function commit(message: string, changes: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { author: { name: 'Old Author', email: 'old@example.com' }, authoredAt: '2019-05-06T07:08:09Z', timezoneOffset: -420, message, changes, ...extra };
}

describe('importHistory', () => {
  let h: Harness;
  const run = async (input: Record<string, unknown>, token = ADMIN.token): Promise<Payload> =>
    (await h.gql<{ importHistory: Payload }>(IMPORT, { input: { namespace: 'hist', ...input } }, token)).data.importHistory;

  beforeAll(async () => {
    h = await startHarness({
      tokens: [ADMIN, EDITOR],
      env: { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_DELIVERY: 'false', CAIRN_MAX_COMMIT_BATCH: '32' },
    });
    await h.gql(CREATE_NAMESPACE, { name: 'hist' });
  });

  afterAll(() => h.close());

  it('commits each commit with its original author, time and zone; stops at the first refusal and resumes by request id', async () => {
    const feed = collect<{ changes: { action: string; version: string } }>(h.ws(), `subscription { changes(namespace: "hist") { action version } }`, {}, 2);
    await new Promise((r) => setTimeout(r, 300));
    const good = commit('first', [{ path: 'a.json', text: '{"a": 1}\n' }]);
    const broken = commit('second', [{ path: 'b.json', text: '{"b": ' }]);
    const failed = await run({ expectedVersion: null, requestId: 'batch-1', commits: [good, broken] });
    expect(failed).toMatchObject({ __typename: 'InvalidDocument', path: 'b.json', line: 1 });
    expect(h.git('hist', 'rev-list', '--count', 'main').trim()).toBe('1');
    expect(h.git('hist', 'log', '-1', '--format=%an|%ae|%at|%ai|%cn|%s')).toBe('Old Author|old@example.com|1557126489|2019-05-06 00:08:09 -0700|Cairn|first\n');

    const fixed = commit('second', [
      { path: 'b.json', text: '{"b": 2}\n' },
      { path: 'a.json', delete: true },
    ]);
    const resumed = await run({ expectedVersion: null, requestId: 'batch-1', commits: [good, fixed] });
    expect(resumed.__typename).toBe('ImportHistoryPayload');
    expect(resumed.commits!.map((c) => c.status)).toEqual(['REPLAYED', 'COMMITTED']);
    expect(resumed.commits![1]!.version).toMatchObject({ action: 'IMPORT', operator: { email: 'old@example.com' }, requestId: 'batch-1.1', comment: 'second' });
    expect(h.git('hist', 'log', '-1', '--format=%(trailers:key=Cairn-Imported-By,valueonly)').trim()).toBe('Ada Admin <ada@example.com>');
    expect(h.git('hist', 'ls-tree', '--name-only', 'main').trim()).toBe('b.json');
    expect((await feed.done).map((e) => e.changes.action)).toEqual(['IMPORT', 'IMPORT']);
  });

  it('builds only on the exact head it names: any other head is a VersionConflict and commits nothing', async () => {
    const head = h.git('hist', 'rev-parse', 'main').trim();
    const parent = h.git('hist', 'rev-parse', 'main~1').trim();
    const stale = await run({ expectedVersion: parent, requestId: 'batch-2', commits: [commit('third', [{ path: 'c.json', text: '{}' }])] });
    expect(stale).toMatchObject({ __typename: 'VersionConflict', expectedVersion: parent, currentVersion: head });
    const fresh = await run({ expectedVersion: null, requestId: 'batch-3', commits: [commit('third', [{ path: 'c.json', text: '{}' }])] });
    expect(fresh).toMatchObject({ __typename: 'VersionConflict', currentVersion: head });
    expect(h.git('hist', 'rev-parse', 'main').trim()).toBe(head);
    const onHead = await run({
      expectedVersion: head,
      requestId: 'batch-4',
      commits: [commit('third', [{ path: 'c.json', text: '{}' }], { requestId: 'git-abc' })],
    });
    expect(onHead.commits![0]!.version.requestId).toBe('git-abc');
  });

  it('refuses editors, bad zones, empty authors and oversized request ids', async () => {
    const head = h.git('hist', 'rev-parse', 'main').trim();
    const one = [commit('x', [{ path: 'x.json', text: '{}' }])];
    expect(await run({ expectedVersion: head, requestId: 'e', commits: one }, EDITOR.token)).toMatchObject({ __typename: 'Forbidden', requiredRole: 'admin' });
    expect(
      await run({ expectedVersion: head, requestId: 'z', commits: [commit('x', [{ path: 'x.json', text: '{}' }], { timezoneOffset: 1440 })] }),
    ).toMatchObject({ __typename: 'InvalidInput' });
    expect(
      await run({ expectedVersion: head, requestId: 'n', commits: [commit('x', [{ path: 'x.json', text: '{}' }], { author: { name: ' ', email: 'a@b' } })] }),
    ).toMatchObject({ __typename: 'InvalidInput' });
    expect(await run({ expectedVersion: head, requestId: 'r'.repeat(121), commits: one })).toMatchObject({ __typename: 'InvalidInput' });
    expect(await run({ expectedVersion: head, requestId: 'none', commits: [] })).toMatchObject({ __typename: 'InvalidInput' });
    expect(h.git('hist', 'rev-parse', 'main').trim()).toBe(head);
  });

  it('lets webhooks filter on IMPORT (and MERGE) commits', async () => {
    const created = await h.gql<{ createWebhook: { __typename: string; webhook: { id: string } } }>(CREATE_WEBHOOK, {
      input: { namespace: 'hist', url: 'http://127.0.0.1:9/hook', actions: ['IMPORT', 'MERGE'] },
    });
    expect(created.data.createWebhook.__typename).toBe('WebhookSecretPayload');
    const read = await h.gql<{ webhook: { __typename: string; actions: string[] } }>(WEBHOOK, { id: created.data.createWebhook.webhook.id, first: 1 });
    expect(read.data.webhook).toMatchObject({ __typename: 'Webhook', actions: ['IMPORT', 'MERGE'] });
  });

  it('shows who imported a commit (importedBy, the authenticated admin) next to its original author, in versions and audit', async () => {
    const current = await h.gql<{ namespace: { head: { hash: string } | null } }>(`{ namespace(name: "hist") { ... on Namespace { head { hash } } } }`);
    const imported = await run({
      expectedVersion: current.data.namespace.head?.hash ?? null,
      requestId: 'by',
      commits: [commit('imported', [{ path: 'by.json', text: '{}' }])],
    });
    expect(imported.__typename).toBe('ImportHistoryPayload');
    await h.gql(
      `mutation { putConfig(input: { namespace: "hist", path: "direct.json", text: "{}", expectedVersion: null, comment: "direct" }) { __typename } }`,
    );
    type Page = { edges: { node: unknown }[] };
    const read = await h.gql<{ namespace: { versions: Page; audit: Page } }>(
      `{ namespace(name: "hist") { ... on Namespace {
        versions(first: 2) { edges { node { comment operator { email } importedBy { name email } } } }
        audit(first: 2) { edges { node { comment operator { email } importedBy { name email } } } } } } }`,
    );
    expect(read.errors).toBeUndefined();
    const expected = [
      { comment: 'direct', operator: { email: 'ada@example.com' }, importedBy: null },
      { comment: 'imported', operator: { email: 'old@example.com' }, importedBy: { name: 'Ada Admin', email: 'ada@example.com' } },
    ];
    expect(read.data.namespace.versions.edges.map((e) => e.node)).toEqual(expected);
    expect(read.data.namespace.audit.edges.map((e) => e.node)).toEqual(expected);

    // authoredAt is the source's time for the imported commit, and the commit time for the direct one.
    const times = await h.gql<{
      namespace: {
        versions: { edges: { node: { timestamp: string; authoredAt: string } }[] };
        audit: { edges: { node: { time: string; authoredAt: string } }[] };
      };
    }>(
      `{ namespace(name: "hist") { ... on Namespace { versions(first: 2) { edges { node { timestamp authoredAt } } } audit(first: 2) { edges { node { time authoredAt } } } } } }`,
    );
    const [direct, old] = times.data.namespace.versions.edges.map((e) => e.node);
    expect(direct!.authoredAt).toBe(direct!.timestamp);
    expect(old!.authoredAt).toBe('2019-05-06T07:08:09.000Z');
    expect(Date.parse(old!.timestamp)).toBeGreaterThan(Date.parse('2026-01-01'));
    expect(times.data.namespace.audit.edges[1]!.node.authoredAt).toBe('2019-05-06T07:08:09.000Z');
    expect(h.git('hist', 'log', '-1', '--skip=1', '--format=%aI').trim()).toBe('2019-05-06T00:08:09-07:00');
  });

  it('resumes past a commit that was UNCHANGED when first imported (it left no request id behind)', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'hist-same' });
    const sameRun = async (input: Record<string, unknown>): Promise<Payload> =>
      (await h.gql<{ importHistory: Payload }>(IMPORT, { input: { namespace: 'hist-same', ...input } })).data.importHistory;
    const c1 = commit('one', [{ path: 'a.json', text: '{"a": 1}\n' }], { requestId: 'src-1' });
    const same = commit('same again', [{ path: 'a.json', text: '{"a": 1}\n' }], { requestId: 'src-2' });
    const c3 = commit('three', [{ path: 'b.json', text: '{"b": 3}\n' }], { requestId: 'src-3' });
    const c4 = commit('four', [{ path: 'b.json', text: '{"b": 4}\n' }], { requestId: 'src-4' });
    const first = await sameRun({ expectedVersion: null, requestId: 'same-1', commits: [c1, same, c3] });
    expect(first.commits?.map((c) => c.status)).toEqual(['COMMITTED', 'UNCHANGED', 'COMMITTED']);
    const head = h.git('hist-same', 'rev-parse', 'main').trim();
    const again = await sameRun({ expectedVersion: head, requestId: 'same-2', commits: [c1, same, c3, c4] });
    expect(again.__typename, JSON.stringify(again)).toBe('ImportHistoryPayload');
    expect(again.commits?.map((c) => c.status)).toEqual(['REPLAYED', 'UNCHANGED', 'REPLAYED', 'COMMITTED']);
    expect(h.git('hist-same', 'log', '--format=%s').trim().split('\n')).toEqual(['four', 'three', 'one']);
  });

  /** The batch's objects on disk: packs written, and loose objects (each a file, a rename and an fsync of its own). */
  const objectFiles = (namespace: string): { packs: number; loose: number } => {
    const counts = Object.fromEntries(
      h
        .git(namespace, 'count-objects', '-v')
        .trim()
        .split('\n')
        .map((line) => line.split(': ') as [string, string]),
    );
    return { packs: Number(counts.packs), loose: Number(counts.count) };
  };

  it('writes a batch as one pack (group commit at 32 commits or not), while every commit is its own in the index, the feed and git log', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'hist-pack' });
    const batchRun = async (input: Record<string, unknown>): Promise<Payload> =>
      (await h.gql<{ importHistory: Payload }>(IMPORT, { input: { namespace: 'hist-pack', ...input } })).data.importHistory;
    const feed = collect<{ changes: { action: string } }>(h.ws(), `subscription { changes(namespace: "hist-pack") { action } }`, {}, 20);
    await new Promise((r) => setTimeout(r, 300));
    const before = objectFiles('hist-pack');
    const commits = Array.from({ length: 20 }, (_, i) =>
      commit(`step ${i}`, [{ path: `dir-${i % 3}/doc-${i % 5}.yaml`, text: `step: ${i}\n` }], { requestId: `pack-${i}` }),
    );
    const result = await batchRun({ expectedVersion: null, requestId: 'pack', commits });
    expect(result.commits?.map((c) => c.status)).toEqual(commits.map(() => 'COMMITTED'));
    const after = objectFiles('hist-pack');
    // One hold of the write lock, one unit on disk (GitRepository.batchCommits).
    expect(after).toEqual({ packs: before.packs + 1, loose: before.loose });
    expect(h.git('hist-pack', 'log', '--reverse', '--format=%s').trim().split('\n')).toEqual(commits.map((_, i) => `step ${i}`));
    expect(h.git('hist-pack', 'show', 'main:dir-1/doc-4.yaml')).toBe('step: 19\n');
    expect(h.git('hist-pack', 'fsck', '--strict', '--no-progress')).toBe('');
    expect((await feed.done).map((e) => e.changes.action)).toEqual(commits.map(() => 'IMPORT'));
    const versions = await h.gql<{ namespace: { versions: { edges: unknown[] } } }>(
      `{ namespace(name: "hist-pack") { ... on Namespace { versions(first: 50) { edges { node { hash } } } } } }`,
    );
    expect(versions.data.namespace.versions.edges).toHaveLength(20);
    // Sent again, the batch replays from the index: nothing new is written.
    const again = await batchRun({ expectedVersion: null, requestId: 'pack', commits });
    expect(again.commits?.map((c) => c.status)).toEqual(commits.map(() => 'REPLAYED'));
    expect(objectFiles('hist-pack')).toEqual(after);
  });

  it('refuses an invalid document in the middle of a batch: what came before it lands, durably, and nothing of it or after', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'hist-mid' });
    const commits = [
      commit('one', [{ path: 'a.json', text: '{"a": 1}\n' }]),
      commit('two', [{ path: 'b.json', text: '{"b": 2}\n' }]),
      commit('broken', [{ path: 'c.json', text: '{"c": ' }]),
      commit('four', [{ path: 'd.json', text: '{"d": 4}\n' }]),
    ];
    const result = (await h.gql<{ importHistory: Payload }>(IMPORT, { input: { namespace: 'hist-mid', expectedVersion: null, requestId: 'mid', commits } }))
      .data.importHistory;
    expect(result).toMatchObject({ __typename: 'InvalidDocument', path: 'c.json' });
    expect(h.git('hist-mid', 'log', '--format=%s').trim().split('\n')).toEqual(['two', 'one']);
    expect(h.git('hist-mid', 'ls-tree', '--name-only', 'main').trim().split('\n')).toEqual(['a.json', 'b.json']);
    expect(h.git('hist-mid', 'fsck', '--strict', '--no-progress')).toBe('');
  });
});
