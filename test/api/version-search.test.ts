import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageNewestFirst } from '../../src/services/pagination.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE = { token: 'alice-token-123', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' as const } };
const BOB = { token: 'bob-token-456', name: 'Bob Builder', email: 'bob@builders.test', roles: { '*': 'editor' as const } };

const SEARCH = `query($ns: String!, $search: String, $first: Int, $path: String) {
  namespace(name: $ns) { ... on Namespace { versions(search: $search, first: $first, path: $path) { pageInfo { hasNextPage } edges { node { hash comment } } } } }
}`;
const TAG = `mutation($input: CreateTagInput!) { createTag(input: $input) { __typename } }`;

interface Found {
  namespace: { versions: { pageInfo: { hasNextPage: boolean }; edges: { node: { hash: string; comment: string } }[] } };
}

describe('versions(search:) finds versions by comment, operator, tag and hash prefix', () => {
  let h: Harness;
  const hashes: string[] = [];
  let otherHash = '';

  beforeAll(async () => {
    h = await startHarness({ tokens: [ALICE, BOB] });
    await h.gql(CREATE_NAMESPACE, { name: 'shop' });
    const steps: [string, string, string][] = [
      ['replicas: 1\n', 'First deploy of the shop', ALICE.token],
      ['replicas: 2\n', 'Raise the Timeout for checkout', BOB.token],
      ['replicas: 3\n', 'scale up', ALICE.token],
    ];
    const other = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: 'other.yaml', text: 'a: 1\n', expectedVersion: null, comment: 'scale the other one' } },
      ALICE.token,
    );
    for (const [text, comment, token] of steps) {
      const res = await h.gql<{ putConfig: WriteResult }>(
        PUT_CONFIG,
        { input: { namespace: 'shop', path: 'app.yaml', text, expectedVersion: hashes.at(-1) ?? null, comment } },
        token,
      );
      hashes.push(res.data.putConfig.version!.hash);
    }
    otherHash = other.data.putConfig.version!.hash;
    const tagged = await h.gql<{ createTag: { __typename: string } }>(TAG, { input: { namespace: 'shop', name: 'release-7', version: hashes[0] } });
    expect(tagged.data.createTag.__typename).toBe('Tag');
  });

  afterAll(() => h.close());

  const search = async (term: string, path?: string): Promise<string[]> => {
    const res = await h.gql<Found>(SEARCH, { ns: 'shop', search: term, path });
    expect(res.errors).toBeUndefined();
    return res.data.namespace.versions.edges.map((e) => e.node.hash);
  };

  it('matches a word of the comment, case-insensitively', async () => {
    expect(await search('timeout')).toEqual([hashes[1]]);
  });

  it("matches the operator's name or email", async () => {
    expect(await search('builder')).toEqual([hashes[1]]);
    expect(await search('alice@')).toEqual([hashes[2], hashes[0], otherHash]);
  });

  it('matches a tag pointing at the version', async () => {
    expect(await search('release-7')).toEqual([hashes[0]]);
  });

  it('matches the start of the hash, not its middle', async () => {
    const hash = hashes[2]!;
    expect(await search(hash.slice(0, 7))).toEqual([hash]);
    expect(await search(hash.slice(10, 20))).toEqual([]);
  });

  it("narrows to one document's versions with path", async () => {
    expect(await search('scale')).toEqual([hashes[2], otherHash]);
    expect(await search('scale', 'app.yaml')).toEqual([hashes[2]]);
  });

  it('without a search lists every version', async () => {
    expect(await search('')).toEqual([...[...hashes].reverse(), otherHash]);
  });
});

describe('a bounded scan', () => {
  const seqs = Array.from({ length: 100 }, (_, i) => i);
  const below = (before: number): number[] => seqs.filter((s) => s < before).reverse();

  it('stops after the limit with a short page that continues below the last candidate looked at', () => {
    const matchesNothingNew = (seq: number): boolean => seq === 95 || seq === 10;
    const first = pageNewestFirst(below, (s) => s, { first: 10 }, matchesNothingNew, 20);
    expect(first.edges.map((e) => e.node)).toEqual([95]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = pageNewestFirst(below, (s) => s, { first: 10, after: first.pageInfo.endCursor }, matchesNothingNew, 20);
    // The first page looked at 99..80, the second at 79..60.
    expect(second.edges).toEqual([]);
    expect(second.pageInfo.hasNextPage).toBe(true);
    const rest = pageNewestFirst(below, (s) => s, { first: 10, after: second.pageInfo.endCursor }, matchesNothingNew, 100);
    expect(rest.edges.map((e) => e.node)).toEqual([10]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });
});
