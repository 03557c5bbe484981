import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CREATE_TAG, DELETE_TAG, TAGS, type Tag } from '../support/tag-operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';

const CONFIG_AT = `query($at: String) { namespace(name: "cfg") { ... on Namespace { config(path: "app.json", at: $at) { __typename ... on ConfigDocument { content at { hash } } ... on Error { code } } } } }`;

/** Whole seconds, so the tag's time is exact. */
let now = Date.parse('2026-11-25T10:00:00Z');

describe('tags', () => {
  let h: Harness;
  const v: string[] = [];
  const createTag = async (input: Record<string, unknown>, token: string = EDITOR.token): Promise<Tag> =>
    (await h.gql<{ createTag: Tag }>(CREATE_TAG, { input: { namespace: 'cfg', ...input } }, token)).data.createTag;
  const deleteTag = async (name: string, token: string = ADMIN.token): Promise<Tag> =>
    (await h.gql<{ deleteTag: Tag }>(DELETE_TAG, { input: { namespace: 'cfg', name } }, token)).data.deleteTag;
  const tags = async (): Promise<Tag[]> => (await h.gql<{ tags: { data: Tag[] } }>(TAGS, { ns: 'cfg' }, VIEWER.token)).data.tags.data;
  const put = async (path: string, content: unknown): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'cfg', path, content, expectedVersion: v.at(-1) ?? null } },
      ADMIN.token,
    );
    expect(res.data.putConfig.status, JSON.stringify(res)).toBe('COMMITTED');
    return res.data.putConfig.version!.hash;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER], clock: () => new Date(now) });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' }, ADMIN.token);
    for (let i = 1; i <= 3; i += 1) v.push(await put('app.json', { replicas: i }));
  });

  afterAll(() => h.close());

  it('lists no tags in a namespace without any', async () => {
    expect(await tags()).toEqual([]);
  });

  it('creates an annotated tag that git reads as its own: git tag -n, cat-file, fsck --strict', async () => {
    now += 60_000;
    const tag = await createTag({ name: 'v1.0', version: 'HEAD~1', message: 'first release\n\nwith notes  \n\n' });
    expect(tag).toMatchObject({
      __typename: 'Tag',
      name: 'v1.0',
      annotated: true,
      message: 'first release\n\nwith notes\n',
      tagger: { name: EDITOR.name, email: EDITOR.email },
      time: new Date(now).toISOString(),
      target: { hash: v[1] },
      protectedBy: null,
    });
    expect(h.git('cfg', 'tag', '-n').trim()).toBe('v1.0            first release');
    expect(h.git('cfg', 'cat-file', '-t', 'v1.0').trim()).toBe('tag');
    expect(h.git('cfg', 'rev-parse', 'v1.0').trim()).toBe(tag.hash);
    expect(h.git('cfg', 'cat-file', '-p', 'v1.0')).toBe(
      `object ${v[1]}\ntype commit\ntag v1.0\ntagger ${EDITOR.name} <${EDITOR.email}> ${now / 1000} +0000\n\nfirst release\n\nwith notes\n`,
    );
    expect(h.git('cfg', 'rev-parse', 'v1.0^{commit}').trim()).toBe(v[1]);
    h.git('cfg', 'fsck', '--strict', '--no-dangling');
  });

  it('resolves the new tag everywhere a version is accepted, with suffixes and the full ref name', async () => {
    for (const [ref, hash, replicas] of [
      ['v1.0', v[1], 2],
      ['v1.0~1', v[0], 1],
      ['v1.0^', v[0], 1],
      ['refs/tags/v1.0', v[1], 2],
    ] as const) {
      const res = await h.gql<{ namespace: { config: { content: unknown; at: { hash: string } } } }>(CONFIG_AT, { at: ref });
      expect(res.data.namespace.config, ref).toEqual({ __typename: 'ConfigDocument', content: { replicas }, at: { hash } });
    }
  });

  it('never moves a tag: an existing name is refused whatever it would point at, and nothing changes', async () => {
    const before = h.git('cfg', 'rev-parse', 'v1.0').trim();
    for (const version of ['HEAD', 'v1.0']) {
      const again = await createTag({ name: 'v1.0', version });
      expect(again).toMatchObject({ __typename: 'TagExists', code: 'TAG_EXISTS', currentHash: before });
    }
    expect(h.git('cfg', 'rev-parse', 'v1.0').trim()).toBe(before);
  });

  it('refuses names git refuses, names that read as something else, folder clashes and unknown versions', async () => {
    for (const name of ['bad..name', 'a b', 'x~1', 'v1.lock', 'trail/', '.hidden', 'deadbeef', 'HEAD', 'main']) {
      expect(await createTag({ name, version: 'HEAD' }), name).toMatchObject({ __typename: 'InvalidTagName', code: 'INVALID_TAG_NAME' });
    }
    expect((await createTag({ name: 'rc', version: 'HEAD' })).__typename).toBe('Tag');
    expect(await createTag({ name: 'rc/1', version: 'HEAD' })).toMatchObject({ __typename: 'InvalidTagName', reason: "conflicts with the existing tag 'rc'" });
    expect(await createTag({ name: 'nope', version: 'nosuchversion' })).toMatchObject({ __typename: 'InvalidRef', reason: 'unknown' });
    expect(h.git('cfg', 'tag', '-l').split('\n').filter(Boolean)).toEqual(['rc', 'v1.0']);
  });

  it('lets editors create, admins delete, viewers only read', async () => {
    expect(await createTag({ name: 'v-viewer', version: 'HEAD' }, VIEWER.token)).toMatchObject({ __typename: 'Forbidden', requiredRole: 'editor' });
    expect(await deleteTag('rc', EDITOR.token)).toMatchObject({ __typename: 'Forbidden', requiredRole: 'admin' });
    const deleted = await deleteTag('rc');
    expect(deleted).toMatchObject({ __typename: 'Tag', name: 'rc', target: { hash: v[2] } });
    expect(h.git('cfg', 'tag', '-l').trim()).toBe('v1.0');
    expect(await deleteTag('rc')).toMatchObject({ __typename: 'NotFound', kind: 'tag', key: 'rc' });
  });

  it('lists every tag by name, annotated ones from git and lightweight ones included', async () => {
    h.git('cfg', 'tag', 'light', v[0]!);
    h.git('cfg', 'tag', '-a', 'cli-annotated', '-m', 'made with git', v[2]!);
    const listed = await tags();
    expect(listed.map((t) => [t.name, t.annotated, t.target.hash, t.message])).toEqual([
      ['cli-annotated', true, v[2], 'made with git\n'],
      ['light', false, v[0], null],
      ['v1.0', true, v[1], 'first release\n\nwith notes\n'],
    ]);
    expect(listed[0]!.tagger).toEqual({ name: 'Git CLI', email: 'cli@example.com' });
    expect(listed[1]!.tagger).toBeNull();
  });

  it('protects the tags the namespace policy names: created once, never moved or deleted', async () => {
    v.push(await put('.cairn/policy.json', { protectedTags: ['release/*'] }));
    const release = await createTag({ name: 'release/1', version: v[0], message: 'GA' });
    expect(release).toMatchObject({ __typename: 'Tag', protectedBy: 'release/*' });
    expect(await createTag({ name: 'release/1', version: 'HEAD' })).toMatchObject({
      __typename: 'ProtectedTag',
      code: 'PROTECTED_TAG',
      name: 'release/1',
      pattern: 'release/*',
    });
    expect(await deleteTag('release/1')).toMatchObject({ __typename: 'ProtectedTag', pattern: 'release/*' });
    expect(h.git('cfg', 'rev-parse', 'release/1').trim()).toBe(release.hash);
    expect((await tags()).find((t) => t.name === 'release/1')?.protectedBy).toBe('release/*');
    expect((await deleteTag('light')).__typename).toBe('Tag');
  });

  it('lets exactly one of many concurrent creations of a name win', async () => {
    const results = await Promise.all(v.slice(0, 3).flatMap((version) => [createTag({ name: 'race', version }), createTag({ name: 'race', version })]));
    const won = results.filter((r) => r.__typename === 'Tag');
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.__typename === 'TagExists')).toHaveLength(5);
    expect(h.git('cfg', 'rev-parse', 'race').trim()).toBe(won[0]!.hash);
    // The losers wrote no tag object (the dangling ones are those of deleted tags).
    const dangling = [...h.git('cfg', 'fsck', '--strict').matchAll(/^dangling tag ([0-9a-f]{40})$/gm)].map((m) => h.git('cfg', 'cat-file', '-p', m[1]!));
    expect(dangling.filter((tag) => tag.includes('\ntag race\n'))).toEqual([]);
    expect(dangling.filter((tag) => tag.includes('\ntag rc\n'))).toHaveLength(1);
  });

  it('works on packed refs: an existing packed tag is not moved, and deleting one removes it from packed-refs', async () => {
    h.git('cfg', 'pack-refs', '--all');
    expect(await createTag({ name: 'race', version: v[0] })).toMatchObject({ __typename: 'TagExists' });
    expect((await deleteTag('race')).__typename).toBe('Tag');
    expect(h.git('cfg', 'tag', '-l', 'race').trim()).toBe('');
    expect(h.git('cfg', 'for-each-ref', '--format=%(refname)', 'refs/tags').trim().split('\n')).toEqual([
      'refs/tags/cli-annotated',
      'refs/tags/release/1',
      'refs/tags/v1.0',
    ]);
    h.git('cfg', 'fsck', '--strict', '--no-dangling');
  });
});
