import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, HEAD, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/** Each commit written on its own, and with group commit (writes queued while a batch is written). */
describe.each([
  { mode: 'one commit at a time', batch: '0' },
  { mode: 'group commit', batch: '32' },
])('concurrent writers on one namespace ($mode)', ({ batch }) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN], env: { CAIRN_MAX_COMMIT_BATCH: batch } });
    await h.gql(CREATE_NAMESPACE, { name: 'busy' });
  });

  afterAll(() => h.close());

  const headOf = async (): Promise<string | null> =>
    (await h.gql<{ namespace: { head: { hash: string } | null } }>(HEAD, { ns: 'busy' })).data.namespace.head?.hash ?? null;

  it('8 clients with the same expectedVersion: exactly one wins, the others get VersionConflict naming the winner', async () => {
    await h.gql(PUT_CONFIG, { input: { namespace: 'busy', path: 'counter.json', content: { n: 0 }, expectedVersion: null } });
    const base = await headOf();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'busy', path: 'counter.json', content: { n: 1, by: i }, expectedVersion: base } }),
      ),
    );
    const outcomes = results.map((r) => r.data.putConfig);
    const winners = outcomes.filter((o) => o.status === 'COMMITTED');
    const losers = outcomes.filter((o) => o.__typename === 'VersionConflict');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(7);
    for (const loser of losers) expect(loser.currentVersion).toBe(winners[0]!.version!.hash);
  });

  it('8 clients doing read-modify-write with retry: every acknowledged write is in history, the chain is linear', async () => {
    const acknowledged: string[] = [];
    let conflicts = 0;
    const client = async (id: number): Promise<void> => {
      for (let done = 0; done < 10;) {
        const expectedVersion = await headOf();
        const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
          input: { namespace: 'busy', path: `clients/${id}.json`, content: { writes: done + 1 }, expectedVersion },
        });
        const out = res.data.putConfig;
        if (out.__typename === 'VersionConflict') {
          conflicts += 1;
          continue;
        }
        expect(out.status).toBe('COMMITTED');
        acknowledged.push(out.version!.hash);
        done += 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => client(i)));
    expect(acknowledged).toHaveLength(80);
    const history = h.git('busy', 'rev-list', 'HEAD').trim().split('\n');
    for (const hash of acknowledged) expect(history).toContain(hash);
    expect(h.git('busy', 'rev-list', '--merges', 'HEAD').trim()).toBe('');
    const parents = h.git('busy', 'log', '--format=%P').trim().split('\n');
    expect(parents.every((p) => p.split(' ').length <= 1)).toBe(true);
    for (let i = 0; i < 8; i += 1) expect(JSON.parse(h.git('busy', 'show', `HEAD:clients/${i}.json`))).toEqual({ writes: 10 });
    h.git('busy', 'fsck', '--strict');
    // Different documents never conflict with each other: expectedVersion only guards what a write touches.
    expect(conflicts).toBe(0);
  });

  it('8 clients incrementing one shared counter: conflicts are reported, no increment is lost', async () => {
    await h.gql(PUT_CONFIG, { input: { namespace: 'busy', path: 'shared.json', content: { n: 0 }, expectedVersion: null } });
    const READ = `{ namespace(name: "busy") { ... on Namespace { config(path: "shared.json") { ... on ConfigDocument { content at { hash } } } } } }`;
    let conflicts = 0;
    let acknowledged = 0;
    const client = async (): Promise<void> => {
      for (let done = 0; done < 5;) {
        const read = await h.gql<{ namespace: { config: { content: { n: number }; at: { hash: string } } } }>(READ);
        const { content, at } = read.data.namespace.config;
        const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
          input: { namespace: 'busy', path: 'shared.json', content: { n: content.n + 1 }, expectedVersion: at.hash },
        });
        if (res.data.putConfig.__typename === 'VersionConflict') {
          conflicts += 1;
          continue;
        }
        expect(res.data.putConfig.status).toBe('COMMITTED');
        acknowledged += 1;
        done += 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => client()));
    expect(acknowledged).toBe(40);
    expect(JSON.parse(h.git('busy', 'show', 'HEAD:shared.json'))).toEqual({ n: 40 });
    expect(Number(h.git('busy', 'rev-list', '--count', 'HEAD', '--', 'shared.json').trim())).toBe(41);
    expect(conflicts).toBeGreaterThan(0);
  });
});
