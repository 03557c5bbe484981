import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFINE_ENVIRONMENT, ENVIRONMENT, RELEASE, type ReleaseFields } from '../support/environment-operations.js';
import { type GitHttpServer, startGitHttpServer } from '../support/git-http-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { REPORT_INSTANCE, ROLLOUT, type RolloutData } from '../support/rollout-operations.js';
import { listeningUrl, startServerProcess } from '../support/server-process.js';
import { CREATE_TAG, DELETE_TAG, TAGS, type Tag } from '../support/tag-operations.js';
import { data, until } from '../support/until.js';

/**
 * Environments with two replicas sharing a real git http-backend remote and a real redis-server: release branches,
 * tags and change requests travel through the remote (under `refs/namespaces/<ns>/`), releases are compare-and-swapped
 * there like main, instance reports reach every replica through Redis, and one replica at a time drives rollouts.
 */

let remote: GitHttpServer;
let redis: RedisServer;
let remoteUrl: string;
let remoteDir: string;

const PROPOSE = `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id branch state } ... on Error { code message } } }`;
const MERGE = `mutation($input: ProposalActionInput!) { mergeChange(input: $input) { __typename ... on WritePayload { status version { hash } } ... on Error { code message } } }`;
const PROPOSALS = `query($ns: String!) { namespace(name: $ns) { ... on Namespace { proposals { id state } } } }`;

function remoteGit(...args: string[]): string {
  return execFileSync('git', ['--git-dir', remoteDir, ...args], { encoding: 'utf8' }).trim();
}

function replicaEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { CAIRN_REMOTE_URL: remoteUrl, CAIRN_REDIS_URL: redis.url, CAIRN_REMOTE_POLL_MS: '0', CAIRN_ROLLOUT_INTERVAL_MS: '50', ...extra };
}

async function put(h: Harness, namespace: string, value: number, expectedVersion: string | null): Promise<string> {
  const res = await data<{ putConfig: WriteResult }>(h, PUT_CONFIG, { input: { namespace, path: 'app.json', content: { value }, expectedVersion } });
  expect(res.putConfig.status).toBe('COMMITTED');
  return res.putConfig.version!.hash;
}

async function release(h: Harness, namespace: string, input: Record<string, unknown>): Promise<WriteResult & { __typename: string }> {
  return (await data<{ release: WriteResult & { __typename: string } }>(h, RELEASE, { input: { namespace, environment: 'prod', ...input } })).release;
}

async function currentRelease(h: Harness, namespace: string): Promise<string | null> {
  // A replica that has not pulled the namespace or its environments yet answers NotFound: nothing released there yet.
  const res = await data<{ environment: { data?: { release: ReleaseFields | null } } }>(h, ENVIRONMENT, { ns: namespace, name: 'prod', first: 1 });
  return res.environment.data?.release?.hash ?? null;
}

async function rolloutOf(h: Harness, namespace: string): Promise<RolloutData> {
  return (await data<{ environment: { data: RolloutData } }>(h, ROLLOUT, { ns: namespace, env: 'prod' })).environment.data;
}

/** A namespace with a prod environment and versions v[0..count-1] of app.json, made on `h`. */
async function namespaceWithVersions(h: Harness, namespace: string, count: number): Promise<string[]> {
  await data(h, CREATE_NAMESPACE, { name: namespace });
  const versions: string[] = [];
  for (let i = 0; i < count; i += 1) versions.push(await put(h, namespace, i, versions.at(-1) ?? null));
  const defined = await data<{ defineEnvironment: WriteResult }>(h, DEFINE_ENVIRONMENT, {
    input: { namespace, name: 'prod', expectedVersion: versions.at(-1) },
  });
  expect(defined.defineEnvironment.status).toBe('COMMITTED');
  return versions;
}

beforeAll(async () => {
  [remote, redis] = await Promise.all([startGitHttpServer(), startRedisServer()]);
  remoteUrl = remote.createRepository('config.git');
  remoteDir = path.join(remote.root, 'config.git');
});

afterAll(async () => {
  await Promise.all([remote?.close(), redis?.stop()]);
});

describe('environments, tags and change requests with replicas', () => {
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    a = await startHarness({ env: replicaEnv() });
    b = await startHarness({ env: replicaEnv() });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('a release made on one replica is on the remote and served by the other; releases are compare-and-swapped through the remote', async () => {
    const v = await namespaceWithVersions(a, 'shared-env', 3);
    const first = await release(a, 'shared-env', { version: v[0], expectedRelease: null });
    expect(first.status).toBe('COMMITTED');
    // On the remote under git's namespace convention: refs/heads/shared-env is main, so it cannot be a folder.
    expect(remoteGit('rev-parse', 'refs/namespaces/shared-env/refs/heads/environments/prod')).toBe(first.version!.hash);
    expect(remoteGit('rev-parse', 'refs/heads/shared-env')).toBe(a.git('shared-env', 'rev-parse', 'main').trim());
    await until(
      'the other replica to serve the release',
      () => currentRelease(b, 'shared-env'),
      (r) => r === first.version!.hash,
    );

    // Both replicas release on the same expected release at once: the remote takes exactly one.
    const [fromA, fromB] = await Promise.all([
      release(a, 'shared-env', { version: v[1], expectedRelease: first.version!.hash }),
      release(b, 'shared-env', { version: v[2], expectedRelease: first.version!.hash }),
    ]);
    const outcomes = [fromA, fromB].map((r) => r.status ?? r.__typename).sort();
    expect(outcomes).toEqual(['COMMITTED', 'VersionConflict']);
    const winner = fromA.status === 'COMMITTED' ? fromA : fromB;
    const tip = remoteGit('rev-parse', 'refs/namespaces/shared-env/refs/heads/environments/prod');
    expect(tip).toBe(winner.version!.hash);
    // One release on the other: the loser left nothing behind, on the remote or in either clone.
    expect(remoteGit('rev-list', '--first-parent', '--count', `${first.version!.hash}..${tip}`)).toBe('1');
    for (const h of [a, b]) {
      await until(
        'both clones to agree',
        () => h.git('shared-env', 'rev-parse', 'environments/prod').trim(),
        (t) => t === tip,
      );
    }
    expect(() => remoteGit('fsck', '--strict', '--no-progress')).not.toThrow();
  });

  it('tags travel through the remote: made on one replica, refused again on the other, deleted there and gone from the first', async () => {
    const v = await namespaceWithVersions(a, 'shared-tags', 1);
    const made = await data<{ createTag: Tag }>(a, CREATE_TAG, { input: { namespace: 'shared-tags', name: 'v1', version: v[0], message: 'first' } });
    expect(made.createTag.__typename).toBe('Tag');
    expect(remoteGit('cat-file', '-t', 'refs/namespaces/shared-tags/refs/tags/v1')).toBe('tag');
    const names = async (h: Harness): Promise<string[]> => (await data<{ tags: { data: Tag[] } }>(h, TAGS, { ns: 'shared-tags' })).tags.data.map((t) => t.name);
    await until(
      'the tag on the other replica',
      () => names(b),
      (n) => n.includes('v1'),
    );
    const again = await data<{ createTag: Tag & { code?: string } }>(b, CREATE_TAG, { input: { namespace: 'shared-tags', name: 'v1', version: v[0] } });
    expect(again.createTag.__typename).toBe('TagExists');
    const deleted = await data<{ deleteTag: Tag }>(b, DELETE_TAG, { input: { namespace: 'shared-tags', name: 'v1' } });
    expect(deleted.deleteTag.__typename).toBe('Tag');
    expect(remoteGit('for-each-ref', 'refs/namespaces/shared-tags/refs/tags/')).toBe('');
    await until(
      'the tag gone from the first replica',
      () => names(a),
      (n) => n.length === 0,
    );
  });

  it('a change request proposed on one replica is merged on the other', async () => {
    const v = await namespaceWithVersions(a, 'shared-cr', 1);
    const proposed = await data<{ proposeChange: { __typename: string; id: string; branch: string } }>(a, PROPOSE, {
      input: { namespace: 'shared-cr', expectedVersion: v.at(-1), comment: 'more', changes: [{ path: 'app.json', content: { value: 99 } }] },
    });
    expect(proposed.proposeChange.__typename).toBe('Proposal');
    const id = proposed.proposeChange.id;
    expect(remoteGit('rev-parse', `refs/namespaces/shared-cr/${proposed.proposeChange.branch}`)).toMatch(/^[0-9a-f]{40}$/);
    const listed = async (h: Harness): Promise<{ id: string; state: string }[]> =>
      (await data<{ namespace: { proposals: { id: string; state: string }[] } }>(h, PROPOSALS, { ns: 'shared-cr' })).namespace.proposals;
    await until(
      'the proposal on the other replica',
      () => listed(b),
      (p) => p.some((x) => x.id === id),
    );
    const merged = await data<{ mergeChange: { __typename: string; status: string; version: { hash: string } } }>(b, MERGE, {
      input: { namespace: 'shared-cr', proposal: id },
    });
    expect(merged.mergeChange.status).toBe('COMMITTED');
    expect(remoteGit('rev-parse', 'refs/heads/shared-cr')).toBe(merged.mergeChange.version.hash);
    await until(
      'the merge seen on the first replica',
      () => listed(a),
      (p) => p.find((x) => x.id === id)?.state === 'MERGED',
    );
    expect(() => remoteGit('fsck', '--strict', '--no-progress')).not.toThrow();
  });

  it("an instance's report taken by one replica is known to the other, through Redis", async () => {
    const v = await namespaceWithVersions(a, 'shared-fleet', 1);
    expect((await release(a, 'shared-fleet', { version: v[0], expectedRelease: null })).status).toBe('COMMITTED');
    await until(
      'the release on the other replica',
      () => currentRelease(b, 'shared-fleet'),
      (r) => r !== null,
    );
    const reported = await data<{ reportInstance: { __typename: string } }>(b, REPORT_INSTANCE, {
      input: { namespace: 'shared-fleet', environment: 'prod', id: 'web-1', cluster: 'eu-1', version: v[0], status: 'FAILED', message: 'boom' },
    });
    expect(reported.reportInstance.__typename).toBe('Instance');
    const seen = await until(
      'the instance on the first replica',
      () => rolloutOf(a, 'shared-fleet'),
      (s) => s.instances.length === 1,
    );
    expect(seen.instances[0]).toMatchObject({ id: 'web-1', cluster: 'eu-1', appliedVersion: v[0], status: 'FAILED' });
    // A replica started later reads what Redis holds.
    const c = await startHarness({ env: replicaEnv() });
    try {
      expect((await rolloutOf(c, 'shared-fleet')).instances.map((i) => i.id)).toEqual(['web-1']);
    } finally {
      await c.close();
    }
  });
});

describe('side refs of a data directory older than the remote, and a remote restored from a backup', () => {
  it('a standalone server that joins brings its tags, release branch and change requests; a release branch the remote lost is given back', async () => {
    const alone = await startHarness();
    const dataDir = alone.dataDir;
    const v = await namespaceWithVersions(alone, 'joined', 2);
    const first = await release(alone, 'joined', { version: v[0], expectedRelease: null });
    const second = await release(alone, 'joined', { version: v[1], expectedRelease: first.version!.hash });
    expect((await data<{ createTag: Tag }>(alone, CREATE_TAG, { input: { namespace: 'joined', name: 'ga', version: v[0] } })).createTag.__typename).toBe('Tag');
    const proposed = await data<{ proposeChange: { id: string; branch: string } }>(alone, PROPOSE, {
      input: { namespace: 'joined', expectedVersion: 'HEAD', changes: [{ path: 'app.json', content: { value: 7 } }] },
    });
    await alone.close({ keepData: true });
    const joined = await startHarness({ env: { ...replicaEnv(), CAIRN_DATA_DIR: dataDir } });
    try {
      const prefix = 'refs/namespaces/joined/';
      expect(remoteGit('rev-parse', `${prefix}refs/heads/environments/prod`)).toBe(second.version!.hash);
      expect(remoteGit('cat-file', '-t', `${prefix}refs/tags/ga`)).toBe('tag');
      expect(remoteGit('rev-parse', `${prefix}${proposed.proposeChange.branch}`)).toMatch(/^[0-9a-f]{40}$/);
      // The remote is restored from a backup that predates the second release: the next look gives it back.
      remoteGit('update-ref', `${prefix}refs/heads/environments/prod`, first.version!.hash);
      await joined.server.cluster!.sync.catchUp();
      expect(remoteGit('rev-parse', `${prefix}refs/heads/environments/prod`)).toBe(second.version!.hash);
      const clone = path.join(dataDir, 'joined.git');
      expect(execFileSync('git', ['--git-dir', clone, 'rev-parse', 'environments/prod'], { encoding: 'utf8' }).trim()).toBe(second.version!.hash);
      expect(() => remoteGit('fsck', '--strict', '--no-progress')).not.toThrow();
    } finally {
      await joined.close();
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });
});

describe('the replica driving a rollout is killed mid-rollout', () => {
  it('the other replica takes the lease and goes on from the step the first one committed: no step skipped or repeated', async () => {
    const leaderDir = mkdtempSync(path.join(tmpdir(), 'cairn-rollout-leader-'));
    const leader = startServerProcess({
      ...replicaEnv({ CAIRN_ROLLOUT_LEASE_MS: '1500' }),
      CAIRN_DATA_DIR: leaderDir,
      CAIRN_PORT: '0',
      CAIRN_FSYNC: 'false',
      LOG_LEVEL: 'info',
    });
    let survivor: Harness | null = null;
    const holder = new Redis(redis.url);
    try {
      await listeningUrl(leader);
      const tookLease = (line: string): boolean => line.includes('this replica drives rollouts');
      await until('the process to take the rollout lease', () => leader.lines.some(tookLease), Boolean);
      const leaderId = (JSON.parse(leader.lines.find(tookLease)!) as { replica: string }).replica;
      survivor = await startHarness({ env: replicaEnv({ CAIRN_ROLLOUT_LEASE_MS: '1500' }) });
      const survivorId = survivor.server.cluster!.sync.replica;
      expect(await holder.get('cairn:rollout-driver')).toBe(leaderId);

      const v = await namespaceWithVersions(survivor, 'driven', 2);
      expect((await release(survivor, 'driven', { version: v[0], expectedRelease: null })).status).toBe('COMMITTED');
      const stable = (await currentRelease(survivor, 'driven'))!;
      // Made on the survivor, driven by the process: four steps of 1 s bake each.
      const started = await release(survivor, 'driven', { version: v[1], expectedRelease: stable, strategy: { steps: [10, 25, 50, 100], bakeSeconds: 1 } });
      expect(started.status).toBe('COMMITTED');
      const branch = 'refs/namespaces/driven/refs/heads/environments/prod';
      const steps = (): string[] =>
        remoteGit(
          'log',
          '--first-parent',
          '--format=%(trailers:key=Cairn-Action,key=Cairn-Rollout-Step,key=Cairn-Rollout-State,valueonly,separator=%x2C)',
          branch,
        )
          .split('\n')
          .filter((line) => line.startsWith('rollout'))
          .reverse();
      await until('the process to commit the second step', steps, (s) => s.length >= 1);
      leader.child.kill('SIGKILL');
      await leader.exited;

      await until(
        'the survivor to take the lease',
        () => holder.get('cairn:rollout-driver'),
        (id) => id === survivorId,
      );
      const done = await until(
        'the rollout to complete',
        () => rolloutOf(survivor!, 'driven'),
        (s) => s.rollout?.phase === 'COMPLETED',
        20_000,
      );
      expect(done.rollout).toMatchObject({ version: v[1], step: 4, stepCount: 4 });
      // Every step once, in order, whoever committed it.
      expect(steps()).toEqual(['rollout,1,progressing', 'rollout,2,progressing', 'rollout,3,progressing', 'rollout,3,completed']);
      expect(() => remoteGit('fsck', '--strict', '--no-progress')).not.toThrow();
    } finally {
      if (leader.child.exitCode === null && leader.child.signalCode === null) leader.child.kill('SIGKILL');
      await leader.exited;
      holder.disconnect();
      await survivor?.close();
      rmSync(leaderDir, { recursive: true, force: true });
    }
  });
});
