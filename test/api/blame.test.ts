import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStoredDocument } from '../../src/domain/document-codec.js';
import { getAtPointer } from '../../src/domain/json-pointer.js';
import { deepEqual, type JsonValue } from '../../src/domain/json-value.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, DELETE_CONFIG, PUT_CONFIG, ROLLBACK, type WriteResult } from '../support/operations.js';

const ADA = { token: 'ada-token-12345', name: 'Ada Admin', email: 'ada@example.com', roles: { '*': 'admin' as const } };
const ED = { token: 'ed-token-123456', name: 'Ed Editor', email: 'ed@example.com', roles: { '*': 'editor' as const } };

const ENTRY = 'pointer value version { hash } operator { email } time comment action';
const BLAME = `query($path: String!, $pointer: String, $at: String, $asOf: DateTime) { namespace(name: "cfg") { ... on Namespace {
  blame(path: $path, pointer: $pointer, at: $at, asOf: $asOf) {
    __typename ... on Blame { path pointer at { hash } entries { ${ENTRY} } } ... on Error { code message }
  }
} } }`;
const DOC_BLAME = `query($pointer: String, $at: String) { namespace(name: "cfg") { ... on Namespace {
  config(path: "app.json", at: $at) { ... on ConfigDocument { blame(pointer: $pointer) { __typename ... on Blame { at { hash } entries { ${ENTRY} } } } } }
} } }`;

interface Entry {
  pointer: string;
  value: JsonValue;
  version: { hash: string };
  operator: { email: string };
  time: string;
  comment: string;
  action: string;
}
interface BlameResult {
  __typename: string;
  path?: string;
  pointer?: string;
  at?: { hash: string };
  entries?: Entry[];
  code?: string;
  message?: string;
}

const T0 = Date.parse('2026-11-25T10:00:00Z');

describe('blame', () => {
  let h: Harness;
  let now = T0;
  const v: Record<string, string> = {};
  let head = '';

  const write = async (name: string, mutation: string, field: string, input: Record<string, unknown>, token = ADA.token): Promise<void> => {
    now += 60_000;
    const res = await h.gql<Record<string, WriteResult>>(mutation, { input: { namespace: 'cfg', expectedVersion: head || null, ...input } }, token);
    const result = res.data[field]!;
    expect(result.status, JSON.stringify(res)).toBe('COMMITTED');
    head = result.version!.hash;
    v[name] = head;
  };
  const put = (name: string, path: string, content: unknown, comment: string, token = ADA.token) =>
    write(name, PUT_CONFIG, 'putConfig', { path, content, comment, ...(head ? {} : { expectedVersion: null }) }, token);
  const blame = async (variables: Record<string, unknown>): Promise<BlameResult> =>
    (await h.gql<{ namespace: { blame: BlameResult } }>(BLAME, variables)).data.namespace.blame;
  /** pointer -> the version that set it */
  const byPointer = (result: BlameResult): Record<string, string> => Object.fromEntries(result.entries!.map((e) => [e.pointer, nameOf(e.version.hash)]));
  const nameOf = (hash: string): string => Object.entries(v).find(([, h2]) => h2 === hash)?.[0] ?? hash;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADA, ED], clock: () => new Date(now) });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' });
    await put('create', 'app.json', { replicas: 1, image: 'api:1.0', limits: { cpu: 1, mem: '1G' }, hosts: ['a', 'b'], empty: {} }, 'create');
    await put('scale', 'app.json', { replicas: 2, image: 'api:1.0', limits: { cpu: 1, mem: '1G' }, hosts: ['a', 'b'], empty: {} }, 'scale', ED.token);
    await put('release', 'app.json', { replicas: 2, image: 'api:1.1', limits: { cpu: 2, mem: '1G' }, hosts: ['a', 'b'], empty: {} }, 'release 1.1');
    await put('db', 'db.json', { host: 'db1' }, 'another document');
    // mem moves to resources/mem with the same value; a host is inserted in front, shifting the others.
    await put(
      'move',
      'app.json',
      { replicas: 2, image: 'api:1.1', limits: { cpu: 2 }, resources: { mem: '1G' }, hosts: ['z', 'a', 'b'], empty: {} },
      'move mem',
    );
    await write('rollback', ROLLBACK, 'rollback', { to: v.scale, paths: ['app.json'], comment: 'back to scale' });
    await put('yaml', 'b.yaml', { a: 1, b: { c: 2 } }, 'b');
    await put('yaml2', 'b.yaml', { a: 1, b: { c: 3 } }, 'b.c');
    await write('delete', DELETE_CONFIG, 'deleteConfig', { path: 'b.yaml', comment: 'gone' });
    await put('recreate', 'b.yaml', { a: 1, b: { c: 3 } }, 'back again');
  });

  afterAll(() => h.close());

  it('attributes every leaf of the document at the head, through a rollback', async () => {
    const result = await blame({ path: 'app.json' });
    expect(result).toMatchObject({ __typename: 'Blame', path: 'app.json', pointer: '', at: { hash: v.recreate } });
    // The rollback left replicas as it was (2, set by "scale"), and set everything else back.
    expect(byPointer(result)).toEqual({
      '/replicas': 'scale',
      '/image': 'rollback',
      '/limits/cpu': 'rollback',
      '/limits/mem': 'rollback',
      '/hosts/0': 'rollback',
      '/hosts/1': 'rollback',
      '/empty': 'create',
    });
    const replicas = result.entries![0]!;
    expect(replicas).toEqual({
      pointer: '/replicas',
      value: 2,
      version: { hash: v.scale },
      operator: { email: ED.email },
      time: new Date(T0 + 2 * 60_000).toISOString(),
      comment: 'scale',
      action: 'UPDATE',
    });
    expect(result.entries!.find((e) => e.pointer === '/image')).toMatchObject({ value: 'api:1.0', action: 'ROLLBACK', comment: 'back to scale' });
  });

  it('attributes moved and shifted values to the version that put them where they are', async () => {
    const result = await blame({ path: 'app.json', at: v.move });
    expect(byPointer(result)).toEqual({
      '/replicas': 'scale',
      '/image': 'release',
      '/limits/cpu': 'release',
      '/resources/mem': 'move',
      '/hosts/0': 'move',
      '/hosts/1': 'move',
      '/hosts/2': 'move',
      '/empty': 'create',
    });
  });

  it('blames a subtree given by a pointer, at a version given by a ref or asOf, and from a ConfigDocument', async () => {
    const limits = await blame({ path: 'app.json', pointer: '/limits', at: 'HEAD~7' });
    expect(limits).toMatchObject({ pointer: '/limits', at: { hash: v.release } });
    expect(byPointer(limits)).toEqual({ '/limits/cpu': 'release', '/limits/mem': 'create' });
    expect(byPointer(await blame({ path: 'app.json', pointer: '/replicas', asOf: new Date(T0 + 2 * 60_000 + 30_000).toISOString() }))).toEqual({
      '/replicas': 'scale',
    });
    expect(byPointer(await blame({ path: 'app.json', pointer: '/replicas', at: `@{${new Date(T0 + 90_000).toISOString()}}` }))).toEqual({
      '/replicas': 'create',
    });
    const fromDocument = (await h.gql<{ namespace: { config: { blame: BlameResult } } }>(DOC_BLAME, { pointer: '/hosts', at: v.move })).data.namespace.config
      .blame;
    expect(fromDocument).toMatchObject({ __typename: 'Blame', at: { hash: v.move } });
    expect(fromDocument.entries!.map((e) => [e.pointer, e.value, nameOf(e.version.hash)])).toEqual([
      ['/hosts/0', 'z', 'move'],
      ['/hosts/1', 'a', 'move'],
      ['/hosts/2', 'b', 'move'],
    ]);
  });

  it('attributes a document deleted and created again to its re-creation, even where values are the same', async () => {
    expect(byPointer(await blame({ path: 'b.yaml' }))).toEqual({ '/a': 'recreate', '/b/c': 'recreate' });
    expect(byPointer(await blame({ path: 'b.yaml', at: v.yaml2 }))).toEqual({ '/a': 'yaml', '/b/c': 'yaml2' });
  });

  it('agrees with a brute-force walk of every version of main read with the git CLI', async () => {
    const versions = h.git('cfg', 'rev-list', '--first-parent', 'main').trim().split('\n');
    const valueAt = (commit: string | undefined, pointer: string): JsonValue | undefined => {
      if (!commit) return undefined;
      try {
        return getAtPointer(parseStoredDocument('app.json', h.git('cfg', 'show', `${commit}:app.json`)), pointer);
      } catch {
        return undefined; // no app.json at that version
      }
    };
    for (const at of [v.create, v.scale, v.release, v.db, v.move, v.rollback, v.recreate]) {
      const result = await blame({ path: 'app.json', at });
      const below = versions.slice(versions.indexOf(at!));
      for (const entry of result.entries!) {
        const setBy = below.find((commit, i) => !deepEqual(valueAt(commit, entry.pointer), valueAt(below[i + 1], entry.pointer)));
        expect(entry.version.hash, `${entry.pointer} at ${nameOf(at!)}`).toBe(setBy);
      }
    }
  });

  it('refuses what it cannot blame with typed errors', async () => {
    expect(await blame({ path: 'app.json', pointer: '/nope' })).toMatchObject({ __typename: 'InvalidInput' });
    expect(await blame({ path: 'app.json', pointer: 'replicas' })).toMatchObject({ __typename: 'InvalidInput' });
    expect(await blame({ path: 'missing.json' })).toMatchObject({ __typename: 'NotFound' });
    expect(await blame({ path: 'b.yaml', at: v.delete })).toMatchObject({ __typename: 'NotFound' });
    expect(await blame({ path: 'app.json', at: 'nosuch' })).toMatchObject({ __typename: 'InvalidRef' });
    expect(await blame({ path: '../x.json' })).toMatchObject({ __typename: 'InvalidPath' });
  });
});
