import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GqlResponse, type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

/**
 * Names that are also properties of every JavaScript object. A lookup keyed by user data in a plain object finds
 * `Object.prototype.constructor` for the namespace "constructor": every such lookup must be a Map (or have no
 * prototype), whatever the name is of: a namespace, a grant, a document path, a tag, a token's operator.
 */
const NAMESPACES = ['constructor', 'hasownproperty', 'tostring', 'valueof', 'prototype'];
const KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

const CONSTRUCTOR_ADMIN = { token: 'admin-token-1234', name: 'constructor', email: 'constructor@example.com', roles: { '*': 'admin' as const } };
const PROTO_VIEWER = { token: 'viewer-token-1234', name: '__proto__', email: 'proto@example.com', roles: { '*': 'viewer' as const } };
/** Grants keyed by prototype names: only the namespace "constructor" is this editor's. */
// An object literal's `__proto__:` sets the prototype; JSON.parse makes it an own key, as the tokens file has it.
const NARROW = {
  token: 'narrow-token-1234',
  name: 'toString',
  email: 'tostring@example.com',
  roles: JSON.parse('{"constructor":"editor","__proto__":"admin","toString":"admin"}') as Record<string, 'editor' | 'admin'>,
};

const READ = `query($ns: String!, $path: String!) { namespace(name: $ns) { __typename ... on Namespace { name
  config(path: $path) { __typename ... on ConfigDocument { content } ... on Error { code } }
  blame(path: $path) { __typename ... on Blame { entries { pointer value } } }
  documents: configs { ... on ConfigsSuccess { data { path } } } } ... on Error { code } } }`;
const VIEWER_ROLES = `query { viewer { name grants { pattern role } ${NAMESPACES.map((n) => `${n}: role(namespace: "${n}")`).join(' ')} other: role(namespace: "other") } }`;
const CREATE_TAG = `mutation($input: CreateTagInput!) { createTag(input: $input) { __typename ... on Tag { name target { hash } } ... on Error { code message } } }`;
const TAGS = `query($ns: String!) { tags(namespace: $ns) { __typename ... on TagsSuccess { data { name } } } }`;

describe('names that are properties of every object', () => {
  let h: Harness;
  const heads = new Map<string, string>();

  beforeAll(async () => {
    // The grant keyed "__proto__" must be a grant like any other, not the prototype of the grants.
    h = await startHarness({ tokens: [CONSTRUCTOR_ADMIN, PROTO_VIEWER, NARROW] });
    for (const ns of NAMESPACES) {
      const made = await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: ns });
      expect(made.data.createNamespace.__typename).toBe('Namespace');
      let head: string | null = null;
      for (const key of KEYS.filter((k) => k !== '__proto__')) {
        const input = { namespace: ns, path: `${key}/${key}.json`, content: { [key]: key, nested: { [key]: 1 } }, expectedVersion: head };
        const res: GqlResponse<{ putConfig: WriteResult }> = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input });
        expect(res.data.putConfig.status, JSON.stringify(res.data)).toBe('COMMITTED');
        head = res.data.putConfig.version!.hash;
      }
      heads.set(ns, head!);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  it('gives a viewer of * exactly the viewer role in every such namespace', async () => {
    const res = await h.gql<{ viewer: Record<string, unknown> }>(VIEWER_ROLES, {}, PROTO_VIEWER.token);
    expect(res.errors).toBeUndefined();
    for (const ns of NAMESPACES) expect(res.data.viewer[ns], ns).toBe('VIEWER');
    for (const ns of NAMESPACES) {
      const read = await h.gql<{
        namespace: { __typename: string; config: { content: unknown }; blame: { entries: unknown[] }; documents: { data: unknown[] } };
      }>(READ, { ns, path: 'constructor/constructor.json' }, PROTO_VIEWER.token);
      expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
      expect(read.data.namespace.__typename, ns).toBe('Namespace');
      expect(read.data.namespace.config.content).toEqual({ constructor: 'constructor', nested: { constructor: 1 } });
      expect(read.data.namespace.blame.entries).toEqual([
        { pointer: '/constructor', value: 'constructor' },
        { pointer: '/nested/constructor', value: 1 },
      ]);
      expect(read.data.namespace.documents.data).toHaveLength(KEYS.length - 1);
    }
  });

  it('takes grants keyed by such names literally', async () => {
    const res = await h.gql<{ viewer: Record<string, unknown> }>(VIEWER_ROLES, {}, NARROW.token);
    expect(res.data.viewer).toMatchObject({ constructor: 'EDITOR', hasownproperty: null, tostring: null, valueof: null, prototype: null, other: null });
    expect(res.data.viewer.grants).toEqual(
      expect.arrayContaining([
        { pattern: '__proto__', role: 'ADMIN' },
        { pattern: 'toString', role: 'ADMIN' },
        { pattern: 'constructor', role: 'EDITOR' },
      ]),
    );
    const write = async (ns: string): Promise<string> =>
      (
        await h.gql<{ putConfig: WriteResult }>(
          PUT_CONFIG,
          { input: { namespace: ns, path: 'valueOf.json', content: { n: 1 }, expectedVersion: heads.get(ns) } },
          NARROW.token,
        )
      ).data.putConfig.__typename;
    expect(await write('constructor')).toBe('WritePayload');
    for (const ns of NAMESPACES.filter((n) => n !== 'constructor')) expect(await write(ns), ns).toBe('Forbidden');
  });

  it('tags such names and lists them', async () => {
    for (const name of KEYS) {
      const res = await h.gql<{ createTag: { __typename: string } }>(CREATE_TAG, { input: { namespace: 'prototype', name, version: heads.get('prototype') } });
      expect(res.data.createTag.__typename, `${name}: ${JSON.stringify(res.data)}`).toBe('Tag');
    }
    const tags = await h.gql<{ tags: { data: { name: string }[] } }>(TAGS, { ns: 'prototype' });
    expect(tags.data.tags.data.map((t) => t.name).sort()).toEqual([...KEYS].sort());
    const at = await h.gql<{ namespace: { config: { content: unknown } } }>(
      `query { namespace(name: "prototype") { ... on Namespace { config(path: "toString/toString.json", at: "constructor") { ... on ConfigDocument { content } } } } }`,
    );
    expect(at.data.namespace.config.content).toEqual({ toString: 'toString', nested: { toString: 1 } });
    h.git('prototype', 'fsck', '--strict');
  });

  it('refuses a __proto__ key in a document as before, and never lets one reach an object', async () => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'valueof', path: 'p.json', text: '{"__proto__": {"admin": true}}', expectedVersion: heads.get('valueof') },
    });
    expect(res.data.putConfig.__typename).toBe('InvalidDocument');
  });
});
