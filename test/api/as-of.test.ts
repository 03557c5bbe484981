import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const at = (minutes: number, seconds = 0): string => new Date(T0 + minutes * 60_000 + seconds * 1000).toISOString();

const CONFIG = `query($ns: String!, $at: String, $asOf: DateTime) { namespace(name: $ns) { ... on Namespace {
  config(path: "app.json", at: $at, asOf: $asOf) { __typename ... on ConfigDocument { content at { hash } } ... on Error { code } ... on InvalidRef { ref reason } }
} } }`;
const CONFIGS = `query($asOf: DateTime) { namespace(name: "cfg") { ... on Namespace {
  configs(asOf: $asOf) { __typename ... on ConfigsSuccess { data { path } } }
} } }`;

interface ConfigResult {
  __typename: string;
  content?: unknown;
  at?: { hash: string };
  code?: string;
  reason?: string;
}

describe('time travel: @{time} in any version argument, and asOf', () => {
  let h: Harness;
  let now = T0;
  /** v[i] was committed at minute i (v[3] and v[4] in the same second). */
  const v: string[] = [];

  const config = async (variables: Record<string, unknown>, ns = 'cfg'): Promise<ConfigResult> =>
    (await h.gql<{ namespace: { config: ConfigResult } }>(CONFIG, { ns, ...variables })).data.namespace.config;
  const put = async (ns: string, file: string, content: unknown, expectedVersion: string | null): Promise<string> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: ns, path: file, content, expectedVersion } });
    expect(res.data.putConfig.status, JSON.stringify(res)).toBe('COMMITTED');
    return res.data.putConfig.version!.hash;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN], clock: () => new Date(now) });
    await h.gql(CREATE_NAMESPACE, { name: 'cfg' });
    for (const [minute, extra] of [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
      [3, 0],
    ] as const) {
      now = T0 + minute * 60_000 + extra;
      v.push(await put('cfg', v.length === 1 ? 'other.json' : 'app.json', { n: v.length }, v.at(-1) ?? null));
    }
  });

  afterAll(() => h.close());

  it('reads main as of an instant: its last commit at or before it, by committer time', async () => {
    expect(await config({ at: `@{${at(0)}}` })).toMatchObject({ content: { n: 0 }, at: { hash: v[0] } });
    expect(await config({ at: `@{${at(1, 30)}}` })).toMatchObject({ content: { n: 0 }, at: { hash: v[1] } });
    expect(await config({ at: `@{${at(2)}}` })).toMatchObject({ content: { n: 2 }, at: { hash: v[2] } });
    expect(await config({ at: `@{${at(2, 59)}}` })).toMatchObject({ at: { hash: v[2] } });
    // Two commits in the same second: the later one.
    expect(await config({ at: `@{${at(3)}}` })).toMatchObject({ content: { n: 4 }, at: { hash: v[4] } });
    expect(await config({ at: '@{2030-01-01T00:00:00Z}' })).toMatchObject({ at: { hash: v[4] } });
  });

  it('accepts HEAD@{} and main@{}, offsets and fractions, and ~N after it', async () => {
    for (const ref of [
      `HEAD@{${at(2, 10)}}`,
      `main@{${at(2, 10)}}`,
      '@{2026-11-25T11:02:10+01:00}',
      '@{2026-11-25T05:02:10.999-05:00}',
      `@{${at(3)}}~2`,
      `@{${at(3)}}^^`,
    ]) {
      expect(await config({ at: ref }), ref).toMatchObject({ at: { hash: v[2] } });
    }
  });

  it('agrees with git rev-list --first-parent --before at instants every 29 s across the history', async () => {
    for (let s = -2; s <= 4 * 60 + 2; s += 29) {
      const instant = new Date(T0 + s * 1000).toISOString();
      const git = h.git('cfg', 'rev-list', '-1', '--first-parent', `--before=${instant}`, 'main').trim();
      const ours = await config({ at: `@{${instant}}` });
      if (git === '') expect(ours, instant).toMatchObject({ __typename: 'InvalidRef', reason: 'unknown' });
      else expect(ours.at?.hash ?? ours.code, instant).toBe(git);
    }
  });

  it('refuses an instant before the first commit as unknown, and anything but a full ISO-8601 instant as malformed', async () => {
    expect(await config({ at: '@{2026-11-25T09:59:59Z}' })).toMatchObject({ __typename: 'InvalidRef', code: 'INVALID_REF', reason: 'unknown' });
    for (const ref of [
      '@{yesterday}',
      '@{2026-11-25}',
      '@{2026-11-25T10:00:00}',
      '@{2026-02-30T10:00:00Z}',
      '@{2026-11-25T24:00:00Z}',
      '@{}',
      'v1@{2026-11-25T10:00:00Z}',
      '@{1795600800}',
    ]) {
      expect(await config({ at: ref }), ref).toMatchObject({ __typename: 'InvalidRef', reason: 'malformed' });
    }
  });

  it('takes an asOf DateTime on config and configs, but not together with at', async () => {
    expect(await config({ asOf: at(2, 30) })).toMatchObject({ content: { n: 2 }, at: { hash: v[2] } });
    expect(await config({ asOf: '2026-11-25T11:00:30+01:00' })).toMatchObject({ at: { hash: v[0] } });
    expect(await config({ asOf: at(2), at: 'HEAD' })).toMatchObject({ __typename: 'InvalidInput' });
    const paths = async (asOf: string) =>
      (await h.gql<{ namespace: { configs: { data: { path: string }[] } } }>(CONFIGS, { asOf })).data.namespace.configs.data.map((d) => d.path);
    expect(await paths(at(0, 30))).toEqual(['app.json']);
    expect(await paths(at(1))).toEqual(['app.json', 'other.json']);
  });

  it('handles imported history whose committer times go back and forth, like git rev-list --before', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'imported' });
    const gitdir = path.join(h.dataDir, 'imported.git');
    const git = (args: string[], input?: string, date?: string): string =>
      execFileSync('git', ['--git-dir', gitdir, ...args], {
        encoding: 'utf8',
        input,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Imp',
          GIT_AUTHOR_EMAIL: 'imp@example.com',
          GIT_COMMITTER_NAME: 'Imp',
          GIT_COMMITTER_EMAIL: 'imp@example.com',
          ...(date ? { GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date } : {}),
        },
      }).trim();
    // Minutes of each imported commit, out of order as after a rebase or a skewed clock.
    const minutes = [0, 5, 2, 7, 1, 7, 3];
    let parent: string | null = null;
    const imported: string[] = [];
    for (const [i, minute] of minutes.entries()) {
      const blob = git(['hash-object', '-w', '--stdin'], `{"n":${i}}\n`);
      const tree = git(['mktree'], `100644 blob ${blob}\tapp.json\n`);
      parent = git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `imported ${i}`], undefined, at(minute));
      imported.push(parent);
    }
    git(['update-ref', 'refs/heads/main', parent!]);
    // A write catches the index up with the ref the CLI moved; it is committed at 10:06.
    now = T0 + 6 * 60_000;
    imported.push(await put('imported', 'more.json', { x: 1 }, null));
    for (let s = -30; s <= 9 * 60; s += 30) {
      const instant = new Date(T0 + s * 1000).toISOString();
      const expected = git(['rev-list', '-1', '--first-parent', `--before=${instant}`, 'main']);
      const ours = await config({ at: `@{${instant}}` }, 'imported');
      if (expected === '') expect(ours, instant).toMatchObject({ __typename: 'InvalidRef', reason: 'unknown' });
      else expect(ours.at?.hash ?? ours.code, instant).toBe(expected);
    }
    // 10:04: the last commit at or before it is imported 6 (10:03), though imported 5 (10:07) came before it.
    expect((await config({ at: `@{${at(4)}}` }, 'imported')).at?.hash).toBe(imported[6]);
    expect((await config({ at: `@{${at(0, 30)}}` }, 'imported')).at?.hash).toBe(imported[0]);
  });
});
