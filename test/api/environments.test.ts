import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import {
  DEFINE_ENVIRONMENT,
  ENVIRONMENT,
  ENVIRONMENTS,
  PROMOTE,
  RELEASE,
  ROLLBACK_ENVIRONMENT,
  type ReleaseFields,
} from '../support/environment-operations.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { REPORT_INSTANCE } from '../support/rollout-operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';

interface EnvironmentData {
  name: string;
  description?: string;
  promotesFrom?: string | null;
  branch?: string;
  release: ReleaseFields | null;
  releases?: ReleaseFields[];
}

describe('environments and releases', () => {
  let h: Harness;
  const v: string[] = [];
  let now = Date.parse('2026-12-01T09:00:00Z');

  const write = async (mutation: string, name: string, input: Record<string, unknown>, token = EDITOR.token): Promise<WriteResult> => {
    const res = await h.gql<Record<string, WriteResult>>(mutation, { input: { namespace: 'svc', ...input } }, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data[name]!;
  };
  const release = (input: Record<string, unknown>, token?: string): Promise<WriteResult> => write(RELEASE, 'release', input, token);
  const environment = async (name: string, first = 20): Promise<EnvironmentData> => {
    const res = await h.gql<{ environment: { __typename: string; data: EnvironmentData } }>(ENVIRONMENT, { ns: 'svc', name, first }, VIEWER.token);
    expect(res.data.environment.__typename, JSON.stringify(res)).toBe('EnvironmentSuccess');
    return res.data.environment.data;
  };
  const put = async (content: unknown, path = 'app.json'): Promise<string> => {
    now += 60_000;
    const res = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'svc', path, content, expectedVersion: v.at(-1) ?? null } },
      EDITOR.token,
    );
    expect(res.data.putConfig.status, JSON.stringify(res)).toBe('COMMITTED');
    v.push(res.data.putConfig.version!.hash);
    return v.at(-1)!;
  };
  const git = (...args: string[]): string => h.git('svc', ...args).trim();

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER], clock: () => new Date(now) });
    await h.gql(CREATE_NAMESPACE, { name: 'svc' }, ADMIN.token);
    await put({ replicas: 1 });
    await put({ replicas: 2 });
    await put({ replicas: 3 });
    await put({ feature: true }, 'flags.yaml');
  });

  afterAll(() => h.close());

  it('defines environments on main, by an admin: a commit of .cairn/environments.json that git reads', async () => {
    const denied = await write(DEFINE_ENVIRONMENT, 'defineEnvironment', { name: 'staging', expectedVersion: v.at(-1) }, EDITOR.token);
    expect(denied).toMatchObject({ __typename: 'Forbidden', requiredRole: 'admin' });
    const staging = await write(DEFINE_ENVIRONMENT, 'defineEnvironment', { name: 'staging', description: 'pre-production' }, ADMIN.token);
    expect(staging).toMatchObject({ status: 'COMMITTED', version: { action: 'CREATE', comment: 'define environment staging' } });
    // Like any write: null (or nothing) says the file does not exist yet; once it does, the version read it at.
    const stale = await write(DEFINE_ENVIRONMENT, 'defineEnvironment', { name: 'prod', promotesFrom: 'staging' }, ADMIN.token);
    expect(stale).toMatchObject({ __typename: 'VersionConflict', paths: ['.cairn/environments.json'] });
    const prod = await write(
      DEFINE_ENVIRONMENT,
      'defineEnvironment',
      { name: 'prod', promotesFrom: 'staging', expectedVersion: staging.version!.hash },
      ADMIN.token,
    );
    expect(prod.status).toBe('COMMITTED');
    expect(JSON.parse(git('show', 'main:.cairn/environments.json'))).toEqual({
      environments: [
        { name: 'staging', description: 'pre-production' },
        { name: 'prod', promotesFrom: 'staging' },
      ],
    });
    const listed = await h.gql<{ environments: { data: EnvironmentData[] } }>(ENVIRONMENTS, { ns: 'svc' }, VIEWER.token);
    expect(listed.data.environments.data).toEqual([
      { name: 'staging', description: 'pre-production', promotesFrom: null, branch: 'environments/staging', release: null },
      { name: 'prod', description: '', promotesFrom: 'staging', branch: 'environments/prod', release: null },
    ]);
  });

  it('refuses definitions that would not read back: unknown promotesFrom, a loop, a bad name; nothing is committed', async () => {
    const head = git('rev-parse', 'main');
    const unknown = await write(DEFINE_ENVIRONMENT, 'defineEnvironment', { name: 'qa', promotesFrom: 'nowhere', expectedVersion: head }, ADMIN.token);
    expect(unknown).toMatchObject({ __typename: 'InvalidDocument', path: '.cairn/environments.json' });
    const loop = await write(DEFINE_ENVIRONMENT, 'defineEnvironment', { name: 'staging', promotesFrom: 'prod', expectedVersion: head }, ADMIN.token);
    expect(loop).toMatchObject({ __typename: 'InvalidDocument', detail: expect.stringContaining('loop') });
    const name = await write(DEFINE_ENVIRONMENT, 'defineEnvironment', { name: 'Prod!' }, ADMIN.token);
    expect(name.__typename).toBe('InvalidInput');
    // The same rules hold when the file is written as a document.
    const direct = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'svc', path: '.cairn/environments.json', content: { environments: [{ name: 'x', promotesFrom: 'x' }] }, expectedVersion: head } },
      ADMIN.token,
    );
    expect(direct.data.putConfig.__typename).toBe('InvalidDocument');
    // Editors may not change the definitions by writing the file either: they govern every release.
    const editor = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'svc', path: '.cairn/environments.json', content: { environments: [{ name: 'prod' }] }, expectedVersion: head } },
      EDITOR.token,
    );
    expect(editor.data.putConfig).toMatchObject({ __typename: 'Forbidden', requiredRole: 'admin' });
    expect(git('rev-parse', 'main')).toBe(head);
  });

  it('releases a version of main: the tree of the version, parents previous release and version, trailers git reads', async () => {
    now += 60_000;
    const first = await release({ environment: 'staging', version: v[1], requestId: 'rel-1', comment: 'first release' });
    expect(first).toMatchObject({
      __typename: 'WritePayload',
      status: 'COMMITTED',
      version: { action: 'RELEASE', comment: 'first release', requestId: 'rel-1' },
    });
    const r1 = first.version!.hash;
    expect(git('rev-parse', 'environments/staging')).toBe(r1);
    expect(git('rev-parse', `${r1}^{tree}`)).toBe(git('rev-parse', `${v[1]}^{tree}`));
    // The first release builds on the version alone: the branch begins there.
    expect(git('rev-list', '--parents', '-n1', r1)).toBe(`${r1} ${v[1]}`);
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Action,key=Cairn-Environment,key=Cairn-Release-Of,valueonly,separator=%x2C)', r1)).toBe(
      `release,staging,${v[1]}`,
    );

    now += 60_000;
    const second = await release({ environment: 'staging', version: v[3], expectedRelease: r1 });
    const r2 = second.version!.hash;
    expect(git('rev-list', '--parents', '-n1', r2)).toBe(`${r2} ${r1} ${v[3]}`);
    expect(git('rev-parse', `${r2}^{tree}`)).toBe(git('rev-parse', `${v[3]}^{tree}`));
    // The definitions came after v3 on main: a release carries the version's tree, nothing of main's later commits.
    expect(second.files!.map((f) => [f.path, f.status])).toEqual([
      ['app.json', 'MODIFIED'],
      ['flags.yaml', 'ADDED'],
    ]);
    // Main is untouched by releases, and git finds nothing wrong.
    expect(git('rev-parse', 'main')).not.toBe(r2);
    expect(() => h.git('svc', 'fsck', '--strict', '--no-progress')).not.toThrow();
    const staging = await environment('staging');
    expect(staging.release).toMatchObject({ hash: r2, environment: 'staging', rollback: false, version: { hash: v[3] }, operator: { email: EDITOR.email } });
    expect(staging.releases!.map((r) => r.hash)).toEqual([r2, r1]);
  });

  it('guards every release with the expected current release, and replays a request id', async () => {
    const staging = await environment('staging');
    const stale = await release({ environment: 'staging', version: v[0], expectedRelease: staging.releases![1]!.hash });
    expect(stale).toMatchObject({ __typename: 'VersionConflict', currentVersion: staging.release!.hash });
    const missing = await release({ environment: 'staging', version: v[0] });
    expect(missing.__typename).toBe('VersionConflict');
    const replay = await release({ environment: 'staging', version: v[1], requestId: 'rel-1', comment: 'first release' });
    expect(replay).toMatchObject({ status: 'REPLAYED', version: { hash: staging.releases![1]!.hash } });
    const reused = await release({ environment: 'staging', version: v[2], requestId: 'rel-1' });
    expect(reused.__typename).toBe('IdempotencyKeyReused');
    const same = await release({ environment: 'staging', version: v[3], expectedRelease: staging.release!.hash });
    expect(same).toMatchObject({ status: 'UNCHANGED', version: { hash: staging.release!.hash } });
    expect(git('rev-parse', 'environments/staging')).toBe(staging.release!.hash);
  });

  it('takes into prod only what staging ran, by promotion, whose dry run is the diff between the two', async () => {
    const notFromStaging = await release({ environment: 'prod', version: v[2] });
    expect(notFromStaging).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('from staging') });
    const preview = await write(PROMOTE, 'promote', { from: 'staging', to: 'prod', dryRun: true });
    expect(preview.status).toBe('PREVIEW');
    expect(preview.files!.map((f) => f.path)).toEqual(['app.json', 'flags.yaml']);
    expect(() => git('rev-parse', '--verify', '--quiet', 'environments/prod')).toThrow();
    // The version previewed is pinned: staging running another by now is a conflict, and nothing is released.
    const moved = await write(PROMOTE, 'promote', { from: 'staging', to: 'prod', version: v[1] });
    expect(moved).toMatchObject({ __typename: 'VersionConflict', expectedVersion: v[1], currentVersion: v[3] });
    const promoted = await write(PROMOTE, 'promote', { from: 'staging', to: 'prod', version: v[3], requestId: 'promote-1' });
    expect(promoted.status).toBe('COMMITTED');
    expect((await environment('prod')).release).toMatchObject({ version: { hash: v[3] } });
    const itself = await write(PROMOTE, 'promote', { from: 'prod', to: 'prod' });
    expect(itself.__typename).toBe('InvalidInput');
  });

  it('rolls an environment back by a new release whose committed diff is the preview, never a moved branch', async () => {
    const before = await environment('staging');
    const preview = await write(ROLLBACK_ENVIRONMENT, 'rollbackEnvironment', {
      environment: 'staging',
      to: v[1],
      expectedRelease: before.release!.hash,
      dryRun: true,
    });
    expect(preview).toMatchObject({ status: 'PREVIEW', base: { hash: before.release!.hash } });
    const done = await write(ROLLBACK_ENVIRONMENT, 'rollbackEnvironment', { environment: 'staging', to: v[1], expectedRelease: before.release!.hash });
    expect(done.status).toBe('COMMITTED');
    expect(done.files).toEqual(preview.files);
    const r3 = done.version!.hash;
    expect(git('rev-list', '--parents', '-n1', r3)).toBe(`${r3} ${before.release!.hash} ${v[1]}`);
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollback-To,valueonly)', r3)).toBe(v[1]);
    expect((await environment('staging')).release).toMatchObject({ rollback: true, version: { hash: v[1] } });
    // Only what the environment ran before can be rolled back to.
    const never = await write(ROLLBACK_ENVIRONMENT, 'rollbackEnvironment', { environment: 'staging', to: v[0], expectedRelease: r3 });
    expect(never.__typename).toBe('InvalidInput');
    expect(git('rev-list', '--first-parent', '--count', `${v[1]}..environments/staging`)).toBe('3');
    expect(() => h.git('svc', 'fsck', '--strict', '--no-progress')).not.toThrow();
  });

  it('answers typed errors for an unknown environment, a version off main and a viewer, committing nothing', async () => {
    const head = git('for-each-ref', '--format=%(refname) %(objectname)');
    expect(await release({ environment: 'qa', version: v[0] })).toMatchObject({ __typename: 'NotFound', kind: 'environment', key: 'qa' });
    const offMain = await release({ environment: 'staging', version: (await environment('staging')).release!.hash });
    expect(offMain.__typename).toBe('InvalidInput');
    const viewer = await release({ environment: 'staging', version: v[0] }, VIEWER.token);
    expect(viewer).toMatchObject({ __typename: 'Forbidden', requiredRole: 'editor' });
    const unknown = await h.gql<{ environment: { __typename: string } }>(ENVIRONMENT, { ns: 'svc', name: 'qa' }, VIEWER.token);
    expect(unknown.data.environment).toMatchObject({ __typename: 'NotFound' });
    expect(git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(head);
  });

  it('takes into an environment with healthyForSeconds only a version that ran healthy that long where it comes from', async () => {
    const defined = await write(
      DEFINE_ENVIRONMENT,
      'defineEnvironment',
      { name: 'live', promotesFrom: 'prod', healthyForSeconds: 600, expectedVersion: git('rev-parse', 'main') },
      ADMIN.token,
    );
    expect(defined.status).toBe('COMMITTED');
    const prod = await environment('prod');
    const version = prod.release!.version!.hash;
    const young = await write(PROMOTE, 'promote', { from: 'prod', to: 'live' });
    expect(young).toMatchObject({
      __typename: 'InvalidInput',
      message: expect.stringMatching(/has run in prod for \d+ s; live takes versions healthy there for 600 s/),
    });

    now += 601_000;
    const input = { namespace: 'svc', environment: 'prod', id: 'api-1', cluster: 'eu-1', version, status: 'FAILED' };
    expect((await h.gql<{ reportInstance: { __typename: string } }>(REPORT_INSTANCE, { input }, EDITOR.token)).data.reportInstance.__typename).toBe('Instance');
    const failing = await write(PROMOTE, 'promote', { from: 'prod', to: 'live' });
    expect(failing).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('api-1') });
    // A direct release of that version is held to the same rule.
    expect(await release({ environment: 'live', version })).toMatchObject({ __typename: 'InvalidInput' });

    await h.gql(REPORT_INSTANCE, { input: { ...input, status: 'APPLIED' } }, EDITOR.token);
    const promoted = await write(PROMOTE, 'promote', { from: 'prod', to: 'live' });
    expect(promoted.status).toBe('COMMITTED');
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Release-Of,valueonly)', 'environments/live')).toBe(version);
  });

  it("lists every environment's releases and rollbacks in delivery's audit log, as git logs them", async () => {
    const res = await h.gql<{ releaseAudit: { data: { version: { hash: string }; action: string; operator: { email: string }; paths: string[] }[] } }>(
      `query { releaseAudit(namespace: "svc", first: 50) { ... on ReleaseAuditSuccess { data { version { hash } action operator { email } paths } } } }`,
      {},
      VIEWER.token,
    );
    // Newest first; within one second by environment name, each branch in its own order (git log's, newest first).
    const expected = ['staging', 'prod', 'live']
      .flatMap((env) =>
        git('log', '--first-parent', '--format=%H %ct %(trailers:key=Cairn-Action,valueonly)', `environments/${env}`)
          .split('\n')
          .map((line) => line.split(' '))
          .filter(([, , action]) => action === 'release' || action === 'rollout')
          .map(([hash, time], index) => ({ hash: hash!, time: Number(time), env, index })),
      )
      .sort((a, b) => b.time - a.time || (a.env < b.env ? -1 : a.env > b.env ? 1 : 0) || a.index - b.index)
      .map((e) => e.hash);
    const entries = res.data.releaseAudit.data;
    expect(entries.map((e) => e.version.hash)).toEqual(expected);
    expect(entries.every((e) => e.action === 'RELEASE')).toBe(true);
    expect(entries.find((e) => e.version.hash === expected.at(-1))?.operator.email).toBe(EDITOR.email);
  });
});
