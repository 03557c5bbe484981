import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, type WriteResult } from '../support/operations.js';

/** Small enough for a test: two 4 KB documents fit, five do not. */
const BUDGET = 12_000;

const DIFF = `query($from: String!, $to: String!) { namespace(name: "rb") { ... on Namespace {
  diff(from: $from, to: $to) { __typename ... on Diff { files { path changes { pointer } } } ... on Error { code } } } } }`;
const CONTENT = `query($path: String!) { namespace(name: "rb") { ... on Namespace { config(path: $path) { ... on ConfigDocument { content } } } } }`;

function document(seed: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key-${i}`, `value ${seed}-${i} ${'x'.repeat(20)}`]));
}

/**
 * CAIRN_MAX_READ_BYTES bounds the document text one request reads, and so what it parses and diffs: a diff across
 * many documents answers TooExpensive instead of running unbounded. (Blame reads versions parsed before from the
 * shared cache without reading them; it has bounds of its own, see test/services/blame.test.ts.)
 */
describe('the read budget of one request', () => {
  let h: Harness;
  const versions: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_MAX_READ_BYTES: String(BUDGET) } });
    await h.gql(CREATE_NAMESPACE, { name: 'rb' });
    let head: string | null = null;
    for (let v = 0; v < 4; v += 1) {
      const changes = Array.from({ length: 5 }, (_, d) => ({ path: `doc-${d}.json`, content: document(v * 10 + d) }));
      const res: { data: { applyChanges: WriteResult } } = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, {
        input: { namespace: 'rb', expectedVersion: head, changes },
      });
      expect(res.data.applyChanges.status).toBe('COMMITTED');
      head = res.data.applyChanges.version!.hash;
      versions.push(head);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers reads within the budget', async () => {
    const read = await h.gql<{ namespace: { config: { content: unknown } } }>(CONTENT, { path: 'doc-1.json' });
    expect(read.errors).toBeUndefined();
    expect(read.data.namespace.config.content).toEqual(document(31));
  });

  it('refuses a diff whose documents pass the budget, naming the setting', async () => {
    const res = await h.gql(DIFF, { from: versions[0], to: versions[3] });
    const codes = (res.errors ?? []).map((e) => e.extensions?.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['TOO_EXPENSIVE']));
    expect(res.errors?.[0]?.message).toContain('CAIRN_MAX_READ_BYTES');
  });

  it('charges values served from the shared cache of parsed documents as if their text were read', async () => {
    for (let d = 0; d < 5; d += 1) expect((await h.gql(CONTENT, { path: `doc-${d}.json` })).errors).toBeUndefined();
    const all = `query { namespace(name: "rb") { ... on Namespace { ${[0, 1, 2, 3, 4]
      .map((d) => `d${d}: config(path: "doc-${d}.json") { ... on ConfigDocument { content } }`)
      .join(' ')} } } }`;
    const res = await h.gql(all);
    expect(new Set((res.errors ?? []).map((e) => e.extensions?.code))).toEqual(new Set(['TOO_EXPENSIVE']));
  });
});
