import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutBucket } from '../../src/domain/rollout-assignment.js';
import { DEFINE_ENVIRONMENT, RELEASE } from '../support/environment-operations.js';
import { type Harness, collect, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import {
  ABORT_ROLLOUT,
  DESIRED_CONFIG,
  DESIRED_STATE,
  PAUSE_ROLLOUT,
  PROMOTE_ROLLOUT,
  REPORT_INSTANCE,
  RESUME_ROLLOUT,
  ROLLOUT,
  type RolloutData,
} from '../support/rollout-operations.js';
import { ADMIN, EDITOR, type TestToken, VIEWER } from '../support/tokens.js';

const AGENT: TestToken = { token: 'ag-agent-token', name: 'Shop Agent', email: 'agent@example.com', roles: { shop: 'agent' } };
/** An agent's token kept to another environment than prod. */
const QA_AGENT: TestToken = { token: 'qa-agent-token', name: 'QA Agent', email: 'qa@example.com', roles: { shop: 'agent' }, environments: ['qa'] };
const INSTANCES = 50;
const CANARIES = 5;

interface Instance {
  readonly id: string;
  readonly cluster: string;
  readonly labels: { name: string; value: string }[];
}

/** 50 instances over two clusters; the first five carry the canary label. */
const instances: Instance[] = Array.from({ length: INSTANCES }, (_, i) => ({
  id: `web-${String(i).padStart(2, '0')}`,
  cluster: i % 2 === 0 ? 'eu-1' : 'us-1',
  labels: [{ name: 'zone', value: i < CANARIES ? 'eu-1a' : 'eu-1b' }],
}));

describe('progressive rollout driven by 50 instances reporting over HTTP', () => {
  let h: Harness;
  let now = Date.parse('2026-12-02T08:00:00Z');
  const v: string[] = [];
  let head: string | null = null;

  const gql = async <T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> => {
    const res = await h.gql<T>(query, variables, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data;
  };
  const put = async (content: unknown): Promise<string> => {
    now += 1000;
    const res = await gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: 'app.json', content, expectedVersion: head } },
      EDITOR.token,
    );
    head = res.putConfig.version!.hash;
    v.push(head);
    return head;
  };
  const state = async (): Promise<RolloutData> =>
    (await gql<{ environment: { data: RolloutData } }>(ROLLOUT, { ns: 'shop', env: 'prod' }, VIEWER.token)).environment.data;
  const release = async (input: Record<string, unknown>): Promise<WriteResult> =>
    (await gql<{ release: WriteResult }>(RELEASE, { input: { namespace: 'shop', environment: 'prod', ...input } }, EDITOR.token)).release;
  const currentRelease = async (): Promise<string> => (await state()).release!.hash;
  const command = async (mutation: string, name: string): Promise<WriteResult> =>
    (await gql<Record<string, WriteResult>>(mutation, { input: { namespace: 'shop', environment: 'prod' } }, EDITOR.token))[name]!;

  /** Every instance asks what it should run, "applies" it and reports; `failing` report a failure instead. */
  const converge = async (failing: ReadonlySet<string> = new Set()): Promise<Map<string, string | null>> => {
    const desired = await Promise.all(
      instances.map(async (instance) => {
        const input = { namespace: 'shop', environment: 'prod', ...instance };
        const answer = await gql<{ desiredState: { data: { version: { hash: string } | null } } }>(DESIRED_STATE, { input }, AGENT.token);
        const version = answer.desiredState.data.version?.hash ?? null;
        const status = failing.has(instance.id) ? 'FAILED' : 'APPLIED';
        const reported = await gql<{ reportInstance: { __typename: string } }>(
          REPORT_INSTANCE,
          { input: { ...input, version, status, message: status === 'FAILED' ? 'health check failed' : '' } },
          AGENT.token,
        );
        expect(reported.reportInstance.__typename).toBe('Instance');
        return [instance.id, version] as const;
      }),
    );
    return new Map(desired);
  };
  const onVersion = (desired: ReadonlyMap<string, string | null>, version: string): Set<string> =>
    new Set([...desired].filter(([, d]) => d === version).map(([id]) => id));
  const until = async <T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const value = await probe();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const git = (...args: string[]): string => h.git('shop', ...args).trim();

  beforeAll(async () => {
    h = await startHarness({
      tokens: [ADMIN, EDITOR, VIEWER, AGENT, QA_AGENT],
      clock: () => new Date(now),
      transport: 'http',
      env: { CAIRN_ROLLOUT_INTERVAL_MS: '20' },
    });
    await gql(CREATE_NAMESPACE, { name: 'shop' }, ADMIN.token);
    // eu-1 runs app.json with its own overlay: what its instances are given is the effective document.
    const changes = [
      { path: 'app.json', content: { replicas: 0 } },
      { path: 'app.overlays/eu-1.patch.json', content: [{ op: 'add', path: '/region', value: 'eu' }] },
    ];
    const base = await gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace: 'shop', changes, expectedVersion: null } }, EDITOR.token);
    head = base.applyChanges.version!.hash;
    for (let i = 1; i <= 4; i += 1) await put({ replicas: i });
    const defined = await gql<{ defineEnvironment: WriteResult }>(
      DEFINE_ENVIRONMENT,
      { input: { namespace: 'shop', name: 'prod', clusters: ['eu-1', 'us-1'], expectedVersion: v.at(-1) } },
      ADMIN.token,
    );
    expect(defined.defineEnvironment.status).toBe('COMMITTED');
    expect((await release({ version: v[0], expectedRelease: null })).status).toBe('COMMITTED');
  });

  afterAll(() => h.close());

  it('gives every instance the first release, and an agent may do nothing but ask and report', async () => {
    const desired = await converge();
    expect(onVersion(desired, v[0]!).size).toBe(INSTANCES);
    // The documents as each cluster runs them: eu-1's overlay applied, us-1 the base, overlays themselves left out.
    const config = async (cluster: string) =>
      (
        await gql<{ desiredConfig: { data: { version: { hash: string }; documents: { path: string; content: unknown; text: string }[] } } }>(
          DESIRED_CONFIG,
          { input: { namespace: 'shop', environment: 'prod', id: 'web-00', cluster } },
          AGENT.token,
        )
      ).desiredConfig.data;
    expect(await config('eu-1')).toEqual({
      version: { hash: v[0] },
      documents: [{ path: 'app.json', content: { replicas: 1, region: 'eu' }, text: '{\n  "replicas": 1,\n  "region": "eu"\n}\n' }],
    });
    expect((await config('us-1')).documents).toEqual([{ path: 'app.json', content: { replicas: 1 }, text: '{\n  "replicas": 1\n}\n' }]);
    const { instances: listed, clusterSummary } = await state();
    expect(listed).toHaveLength(INSTANCES);
    expect(listed.every((i) => i.converged && !i.drift && i.appliedVersion === v[0])).toBe(true);
    // Paged by id: pages of 20 cover the 50 with no gap and no duplicate.
    const ids: string[] = [];
    for (let after: string | null = null; ;) {
      const page: { environment: { data: { instances: { id: string }[] } } } = await gql(
        `query($after: String) { environment(namespace: "shop", name: "prod") { ... on EnvironmentSuccess { data { instances(first: 20, after: $after) { id } } } } }`,
        { after },
        VIEWER.token,
      );
      const got = page.environment.data.instances.map((i) => i.id);
      ids.push(...got);
      if (got.length < 20) break;
      after = got.at(-1)!;
    }
    expect(ids).toEqual(instances.map((i) => i.id));
    expect(clusterSummary).toEqual([
      { cluster: 'eu-1', instances: 25, converged: 25, drifting: 0, failed: 0, allConverged: true },
      { cluster: 'us-1', instances: 25, converged: 25, drifting: 0, failed: 0, allConverged: true },
    ]);
    const write = await h.gql<{ putConfig: { __typename: string } }>(
      PUT_CONFIG,
      { input: { namespace: 'shop', path: 'x.json', content: {}, expectedVersion: v.at(-1) } },
      AGENT.token,
    );
    expect(write.data.putConfig).toMatchObject({ __typename: 'Forbidden' });
    const read = await h.gql<{ environment: { __typename: string } }>(ROLLOUT, { ns: 'shop', env: 'prod' }, AGENT.token);
    expect(read.data.environment.__typename).toBe('Forbidden');
    const released = await h.gql<{ release: { __typename: string } }>(
      RELEASE,
      { input: { namespace: 'shop', environment: 'prod', version: v[1] } },
      AGENT.token,
    );
    expect(released.data.release.__typename).toBe('Forbidden');
  });

  it('canary, then 10% and 50% by a sticky hash, then everyone; a failure past the threshold rolls back by itself', async () => {
    const stable = await currentRelease();
    const strategy = { steps: [10, 50, 100], bakeSeconds: 60, canary: [{ name: 'zone', value: 'eu-1a' }], maxFailures: 1 };
    const released = await release({ version: v[1], expectedRelease: stable, strategy, requestId: 'canary-v2' });
    expect(released.status).toBe('COMMITTED');
    const rolloutCommit = released.version!.hash;
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollout,valueonly)', rolloutCommit)).toBe(
      'steps=10,50,100 bake=60 canary=zone=eu-1a max-failures=1',
    );

    // Step 1: the canaries only.
    let desired = await converge();
    const canaries = new Set(instances.slice(0, CANARIES).map((i) => i.id));
    expect(onVersion(desired, v[1]!)).toEqual(canaries);
    expect((await state()).rollout).toMatchObject({
      phase: 'PROGRESSING',
      step: 1,
      stepCount: 4,
      canaryStep: true,
      reached: CANARIES,
      healthy: CANARIES,
      failed: [],
    });

    // The bake holds the step until its time has passed, then the driver moves on by itself.
    now += 59_000;
    await new Promise((r) => setTimeout(r, 200));
    expect((await state()).rollout!.step).toBe(1);
    now += 2_000;
    await until(state, (s) => s.rollout?.step === 2, 'step 2');
    // Before they poll, the instances the step reached still run the stable version: they drift, and say so, lagging
    // by the time since the step began (the server's clock moves 5 s on); the others lag by nothing.
    now += 5_000;
    const step2 = await state();
    const drifting = step2.instances.filter((i) => i.drift).map((i) => i.id);
    expect(new Set(step2.instances.filter((i) => i.lagSeconds === 5).map((i) => i.id))).toEqual(new Set(drifting));
    expect(step2.instances.filter((i) => !i.drift).every((i) => i.lagSeconds === 0)).toBe(true);
    expect(drifting.length).toBe(step2.clusterSummary.reduce((n, c) => n + c.drifting, 0));
    expect(drifting.length).toBeGreaterThan(0);
    desired = await converge();
    const at10 = onVersion(desired, v[1]!);
    expect(new Set(drifting)).toEqual(new Set([...at10].filter((id) => !canaries.has(id))));
    const expected10 = new Set(instances.filter((i) => canaries.has(i.id) || rolloutBucket(i.id, rolloutCommit) < 1000).map((i) => i.id));
    expect(at10).toEqual(expected10);
    expect((await state()).rollout).toMatchObject({ step: 2, percent: 10, canaryStep: false, reached: at10.size, healthy: at10.size });

    now += 61_000;
    await until(state, (s) => s.rollout?.step === 3, 'step 3');
    desired = await converge();
    const at50 = onVersion(desired, v[1]!);
    // Sticky and monotonic: every instance on the release at 10% still is at 50%.
    for (const id of at10) expect(at50.has(id), id).toBe(true);
    const nonCanary = [...at50].filter((id) => !canaries.has(id)).length;
    expect(nonCanary).toBe(instances.filter((i) => !canaries.has(i.id) && rolloutBucket(i.id, rolloutCommit) < 5000).length);
    // The split is near half: the hash of 45 ids under 50% (a binomial's 3 sigma is ±10).
    expect(Math.abs(nonCanary - 22.5)).toBeLessThanOrEqual(10);

    // Two instances on the release fail: more than maxFailures (1), so the rollout rolls back without anyone asking.
    const failing = [...at50].filter((id) => !canaries.has(id)).slice(0, 2);
    await converge(new Set(failing));
    const rolledBack = await until(state, (s) => s.release?.rollback === true, 'automatic rollback');
    expect(rolledBack.release!.version.hash).toBe(v[0]);
    expect(rolledBack.rollout).toBeNull();
    desired = await converge();
    expect(onVersion(desired, v[0]!).size).toBe(INSTANCES);

    // git log on the branch tells the whole story, trailers included.
    const log = git(
      'log',
      '--first-parent',
      '--format=%s|%(trailers:key=Cairn-Action,key=Cairn-Rollout-Step,key=Cairn-Rollout-State,valueonly,separator=%x2C)',
      '-5',
      'environments/prod',
    );
    expect(log.split('\n')).toEqual([
      `automatic rollback: 2 of ${at50.size} instances on ${v[1]!.slice(0, 12)} failed (at most 1 tolerated)|release`,
      'rollout step 3: 50%|rollout,2,progressing',
      'rollout step 2: 10%|rollout,1,progressing',
      'release via Cairn|release',
      'release via Cairn|release',
    ]);
    const tip = git('rev-parse', 'environments/prod');
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollout-Failed,valueonly)', tip)).toBe([...failing].sort().join(', '));
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollback-To,valueonly)', tip)).toBe(v[0]);
    expect(git('rev-parse', `${tip}^{tree}`)).toBe(git('rev-parse', `${v[0]}^{tree}`));
    expect(() => h.git('shop', 'fsck', '--strict', '--no-progress')).not.toThrow();
  });

  it('pauses, resumes, survives a restart in the middle of a bake, and promotes to everyone at once', async () => {
    const released = await release({ version: v[2], expectedRelease: await currentRelease(), strategy: { steps: [20, 100], bakeSeconds: 300 } });
    expect(released.status).toBe('COMMITTED');
    await converge();
    expect((await command(PAUSE_ROLLOUT, 'pauseRollout')).version).toMatchObject({ action: 'ROLLOUT' });
    expect((await command(PAUSE_ROLLOUT, 'pauseRollout')) as unknown).toMatchObject({ __typename: 'InvalidInput' });
    now += 600_000;
    await new Promise((r) => setTimeout(r, 200));
    expect((await state()).rollout).toMatchObject({ phase: 'PAUSED', step: 1, bakeSecondsLeft: null });

    await command(RESUME_ROLLOUT, 'resumeRollout');
    now += 100_000;
    // A restart in the middle of the bake: the new server reads where the rollout is from Git and goes on from there.
    await h.restart();
    expect((await state()).rollout).toMatchObject({ phase: 'PROGRESSING', step: 1, bakeSecondsLeft: 200 });
    now += 200_000;
    await until(state, (s) => s.rollout?.step === 2, 'step 2 after the restart');

    await command(PROMOTE_ROLLOUT, 'promoteRollout');
    const promoted = await state();
    expect(promoted.rollout).toMatchObject({ phase: 'COMPLETED' });
    const desired = await converge();
    expect(onVersion(desired, v[2]!).size).toBe(INSTANCES);
    expect((await command(ABORT_ROLLOUT, 'abortRollout')) as unknown).toMatchObject({ __typename: 'InvalidInput' });
  });

  it('aborts a rollout: a release of what ran before, every instance back at once', async () => {
    const released = await release({ version: v[3], expectedRelease: await currentRelease(), strategy: { steps: [50, 100], bakeSeconds: 60 } });
    expect(released.status, JSON.stringify(released)).toBe('COMMITTED');
    const aborted = await command(ABORT_ROLLOUT, 'abortRollout');
    expect(aborted.status, JSON.stringify(aborted)).toBe('COMMITTED');
    const after = await state();
    expect(after.release).toMatchObject({ rollback: true, version: { hash: v[2] } });
    expect(onVersion(await converge(), v[2]!).size).toBe(INSTANCES);
  });

  it('rolls back by itself on a failure in the canary step; refuses a release over a rollout in progress; replays its request id', async () => {
    const stable = await currentRelease();
    const strategy = { steps: [100], bakeSeconds: 600, canary: [{ name: 'zone', value: 'eu-1a' }] };
    const released = await release({ version: v[1], expectedRelease: stable, strategy, requestId: 'canary-again' });
    expect(released.status).toBe('COMMITTED');
    const replayed = await release({ version: v[1], expectedRelease: stable, strategy, requestId: 'canary-again' });
    expect(replayed).toMatchObject({ status: 'REPLAYED', version: { hash: released.version!.hash } });
    const over = await release({ version: v[0], expectedRelease: released.version!.hash });
    expect(over).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('in progress') });

    // One canary fails (maxFailures 0): back to what ran before, before any other instance was given the release.
    const desired = await converge(new Set(['web-03']));
    expect(onVersion(desired, v[1]!)).toEqual(new Set(instances.slice(0, CANARIES).map((i) => i.id)));
    const rolledBack = await until(state, (s) => s.release?.rollback === true, 'automatic rollback in the canary step');
    expect(rolledBack.release!.version.hash).toBe(v[2]);
    expect(git('log', '-1', '--format=%(trailers:key=Cairn-Rollout-Failed,valueonly)', 'environments/prod')).toBe('web-03');
    expect(onVersion(await converge(), v[2]!).size).toBe(INSTANCES);
  });

  it('pushes releases, rollout steps and instance changes to subscribers, not heartbeats; an agent hears no other instance', async () => {
    type Event = { environmentEvents: { kind: string; commit: string | null; instance: { id: string; desiredVersion: string } | null } };
    const query = `subscription { environmentEvents(namespace: "shop", environment: "prod") { kind commit instance { id desiredVersion } } }`;
    const viewer = collect<Event>(h.ws(VIEWER.token), query, {}, 5);
    const agent = collect<Event>(h.ws(AGENT.token), query, {}, 4);
    // An editor's token asking for releases and steps only (as `cairn agent` asks) hears no instance either.
    const kinds = `subscription { environmentEvents(namespace: "shop", environment: "prod", kinds: [RELEASE, ROLLOUT]) { kind commit instance { id desiredVersion } } }`;
    const asking = collect<Event>(h.ws(EDITOR.token), kinds, {}, 4);
    // Each subscription says when it is live; from then on nothing is missed. A heartbeat that changes nothing is no event.
    await until(
      () => Promise.resolve(viewer.received.length + agent.received.length + asking.received.length),
      (n) => n === 3,
      'the subscriptions live',
    );
    const heartbeat = { namespace: 'shop', environment: 'prod', id: 'web-00', cluster: 'eu-1', version: v[2], status: 'APPLIED' };
    await gql(REPORT_INSTANCE, { input: heartbeat }, AGENT.token);
    const released = await release({ version: v[3], expectedRelease: await currentRelease(), strategy: { steps: [50, 100], bakeSeconds: 600 } });
    const paused = await command(PAUSE_ROLLOUT, 'pauseRollout');
    await gql(REPORT_INSTANCE, { input: { ...heartbeat, id: 'web-new', version: v[2] } }, AGENT.token);
    const aborted = await command(ABORT_ROLLOUT, 'abortRollout');
    const releaseEvent = { kind: 'RELEASE', commit: released.version!.hash, instance: null };
    const pauseEvent = { kind: 'ROLLOUT', commit: paused.version!.hash, instance: null };
    const abortEvent = { kind: 'RELEASE', commit: aborted.version!.hash, instance: null };
    const live = { kind: 'LIVE', commit: null, instance: null };
    expect((await viewer.done).map((e) => e.environmentEvents)).toEqual([
      live,
      releaseEvent,
      pauseEvent,
      { kind: 'INSTANCE', commit: null, instance: { id: 'web-new', desiredVersion: expect.any(String) } },
      abortEvent,
    ]);
    expect((await agent.done).map((e) => e.environmentEvents)).toEqual([live, releaseEvent, pauseEvent, abortEvent]);
    expect((await asking.done).map((e) => e.environmentEvents)).toEqual([live, releaseEvent, pauseEvent, abortEvent]);
  });

  it('replays the branch after `since` (the release feed): every release and step after it, then LIVE, then the rest, with no gap or repeat', async () => {
    type Event = {
      environmentEvents: { kind: string; commit: string | null; release: { hash: string; comment: string; version: { hash: string } | null } | null };
    };
    const query = `subscription($since: String) { environmentEvents(namespace: "shop", environment: "prod", since: $since) {
      kind commit release { hash comment version { hash } } } }`;
    // The branch, oldest first, as git tells it: what a subscriber resuming from its first commit must be told.
    const branch = (): string[] => git('rev-list', '--first-parent', '--reverse', 'environments/prod').split('\n');
    const history = branch().filter((oid) => /^(release|rollout)$/.test(git('log', '-1', '--format=%(trailers:key=Cairn-Action,valueonly)', oid)));
    const from = history[1]!;
    const after = history.slice(2);
    const resumed = collect<Event>(h.ws(VIEWER.token), query, { since: from }, after.length + 3);
    await until(
      () => Promise.resolve(resumed.received.length),
      (n) => n === after.length + 1,
      'the replay and LIVE',
    );
    const released = await release({ version: v[1], expectedRelease: await currentRelease(), strategy: { steps: [50, 100], bakeSeconds: 600 } });
    const aborted = await command(ABORT_ROLLOUT, 'abortRollout');
    const events = (await resumed.done).map((e) => e.environmentEvents);
    expect(events.map((e) => e.commit)).toEqual([...after, null, released.version!.hash, aborted.version!.hash]);
    expect(events.map((e) => e.kind).slice(after.length)).toEqual(['LIVE', 'RELEASE', 'RELEASE']);
    expect(events.at(-2)!.release).toMatchObject({ hash: released.version!.hash, version: { hash: v[1] } });
    // Forty zeros: every release from the first; a commit that is not the branch's is INVALID_REF.
    const all = collect<Event>(h.ws(VIEWER.token), query, { since: '0'.repeat(40) }, history.length + 3);
    expect((await all.done).map((e) => e.environmentEvents.commit)).toEqual([...history, released.version!.hash, aborted.version!.hash, null]);
    const wrong = collect<Event>(h.ws(VIEWER.token), query, { since: v[0] }, 1);
    await expect(wrong.done).rejects.toThrow('INVALID_REF');
  });

  it('refuses bad strategies and reports with typed errors, committing nothing', async () => {
    const refs = (): string => git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/environments');
    const before = refs();
    const stable = await currentRelease();
    for (const strategy of [
      { steps: [0, 100] },
      { steps: [10, 101] },
      { steps: [50, 10, 100] },
      { steps: [10, 50] },
      { bakeSeconds: -1 },
      { maxFailureRatio: 2 },
    ]) {
      expect(await release({ version: v[3], expectedRelease: stable, strategy }), JSON.stringify(strategy)).toMatchObject({ __typename: 'InvalidInput' });
    }
    const report = (input: Record<string, unknown>) =>
      gql<{ reportInstance: { __typename: string } }>(
        REPORT_INSTANCE,
        { input: { namespace: 'shop', environment: 'prod', id: 'web-00', cluster: 'eu-1', ...input } },
        AGENT.token,
      );
    const neverReleased = await put({ replicas: 99 });
    expect((await report({ version: neverReleased, status: 'APPLIED' })).reportInstance.__typename).toBe('InvalidInput');
    expect((await report({ cluster: 'ap-1' })).reportInstance.__typename).toBe('InvalidInput');
    expect((await report({ environment: 'qa' })).reportInstance).toMatchObject({ __typename: 'NotFound' });
    const viewer = await h.gql<{ reportInstance: { __typename: string } }>(
      REPORT_INSTANCE,
      { input: { namespace: 'shop', environment: 'prod', id: 'web-00', cluster: 'eu-1' } },
      VIEWER.token,
    );
    expect(viewer.data.reportInstance.__typename).toBe('Forbidden');
    // A token scoped to qa acts for no instance of prod: neither asks, nor reports, nor follows.
    const input = { namespace: 'shop', environment: 'prod', id: 'web-00', cluster: 'eu-1' };
    const scopedAsk = await h.gql<{ desiredState: { __typename: string; message: string } }>(DESIRED_STATE, { input }, QA_AGENT.token);
    expect(scopedAsk.data.desiredState).toMatchObject({ __typename: 'Forbidden', message: expect.stringContaining('serves qa, not prod') });
    const scopedReport = await h.gql<{ reportInstance: { __typename: string } }>(REPORT_INSTANCE, { input }, QA_AGENT.token);
    expect(scopedReport.data.reportInstance.__typename).toBe('Forbidden');
    expect(refs()).toBe(before);
  });
});
