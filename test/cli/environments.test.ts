import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';
import { json, runCli } from './cli-process.js';

describe('cairn env, release, promote and rollout', () => {
  let h: Harness;
  const v: string[] = [];
  const cli = (args: string[], token = EDITOR.token) => runCli(args, { url: h.url, token });

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER], env: { CAIRN_ROLLOUT_INTERVAL_MS: '50' } });
    await h.gql(CREATE_NAMESPACE, { name: 'web' }, ADMIN.token);
    for (let i = 1; i <= 3; i += 1) {
      const res = await h.gql<{ putConfig: WriteResult }>(
        PUT_CONFIG,
        { input: { namespace: 'web', path: 'app.json', content: { replicas: i }, expectedVersion: v.at(-1) ?? null } },
        EDITOR.token,
      );
      v.push(res.data.putConfig.version!.hash);
    }
  });
  afterAll(() => h.close());

  it('defines environments (admins), releases, promotes with a dry run and lists them', async () => {
    expect((await cli(['env', 'create', 'web', 'staging'])).code).toBe(5);
    expect((await cli(['env', 'create', 'web', 'staging'], ADMIN.token)).code).toBe(0);
    expect((await cli(['env', 'create', 'web', 'prod', '--promotes-from', 'staging', '--clusters', 'eu-1,us-1'], ADMIN.token)).code).toBe(0);

    const released = await cli(['--json', 'release', 'web', v[0]!.slice(0, 12), '--env', 'staging', '-m', 'first']);
    expect(released.code, released.stderr).toBe(0);
    expect(json<{ status: string; version: { action: string } }>(released)).toMatchObject({ status: 'COMMITTED', version: { action: 'RELEASE' } });
    expect(h.git('web', 'log', '-1', '--format=%s %(trailers:key=Cairn-Release-Of,valueonly)', 'environments/staging').trim()).toBe(`first ${v[0]}`);

    // prod takes only what staging ran.
    const refused = await cli(['release', 'web', v[1]!, '--env', 'prod']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/staging/);
    const preview = await cli(['promote', 'web', '--from', 'staging', '--to', 'prod', '--dry-run']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/\+ app\.json/);
    expect((await cli(['promote', 'web', '--from', 'staging', '--to', 'prod', '--version', v[1]!])).code).toBe(4);
    expect((await cli(['promote', 'web', '--from', 'staging', '--to', 'prod', '--version', v[0]!.slice(0, 12)])).code).toBe(0);

    const listed = await cli(['--json', 'env', 'list', 'web'], VIEWER.token);
    expect(json<{ name: string; promotesFrom: string | null; clusters: string[]; release: { version: { hash: string } } }[]>(listed)).toMatchObject([
      { name: 'staging', promotesFrom: null, release: { version: { hash: v[0] } } },
      { name: 'prod', promotesFrom: 'staging', clusters: ['eu-1', 'us-1'], release: { version: { hash: v[0] } } },
    ]);
    const table = await cli(['env', 'list', 'web'], VIEWER.token);
    expect(table.stdout).toMatch(/^staging\s+\S{12}\s/m);
  });

  it('rolls out by steps, shows the status, pauses, resumes and aborts; a stale --expect is exit 4', async () => {
    const stale = await cli(['release', 'web', v[1]!, '--env', 'staging', '--expect', v[0]!]);
    expect(stale.code).toBe(4);
    const rolling = await cli([
      'release',
      'web',
      v[1]!,
      '--env',
      'staging',
      '--steps',
      '25,100',
      '--bake',
      '1h',
      '--canary',
      'zone=eu-1a',
      '--max-failures',
      '2',
    ]);
    expect(rolling.code, rolling.stderr).toBe(0);
    const strategy = h.git('web', 'log', '-1', '--format=%(trailers:key=Cairn-Rollout,valueonly)', 'environments/staging').trim();
    expect(strategy).toBe('steps=25,100 bake=3600 canary=zone=eu-1a max-failures=2');

    const status = await cli(['rollout', 'status', 'web', '--env', 'staging'], VIEWER.token);
    expect(status.stdout).toMatch(/progressing step 1\/3 \(canary, \d+s left\), 0 healthy, 0 failed/);
    expect((await cli(['rollout', 'pause', 'web', '--env', 'staging'])).code).toBe(0);
    expect(json<{ rollout: { phase: string } }>(await cli(['--json', 'rollout', 'status', 'web', '--env', 'staging'])).rollout.phase).toBe('PAUSED');
    expect((await cli(['rollout', 'pause', 'web', '--env', 'staging'])).code).toBe(2);
    expect((await cli(['rollout', 'resume', 'web', '--env', 'staging'])).code).toBe(0);
    expect((await cli(['rollout', 'abort', 'web', '--env', 'staging', '-m', 'wrong build'])).code).toBe(0);
    expect(h.git('web', 'log', '-1', '--format=%s %(trailers:key=Cairn-Rollback-To,valueonly)', 'environments/staging').trim()).toBe(`wrong build ${v[0]}`);
    expect((await cli(['release', 'web', v[2]!, '--env', 'staging', '--steps', '10,5'])).code).toBe(2);
    expect((await cli(['release', 'web', v[2]!, '--env', 'staging', '--bake', 'soon'])).code).toBe(2);
  });

  it('proposes a release for review with --propose: a change request, nothing released until it is approved and merged', async () => {
    const current = h.git('web', 'rev-parse', 'environments/staging').trim();
    const asked = await cli(['--json', 'release', 'web', v[1]!.slice(0, 12), '--env', 'staging', '--propose', '--steps', '50,100', '-m', 'take v1 back']);
    expect(asked.code, asked.stderr).toBe(0);
    const proposal = JSON.parse(asked.stdout) as { id: string; branch: string; release: { environment: string; rollout: string; version: { hash: string } } };
    expect(proposal.release).toMatchObject({ environment: 'staging', version: { hash: v[1] } });
    expect(proposal.release.rollout).toContain('50,100');
    expect(h.git('web', 'log', '-1', '--format=%(trailers:key=Cairn-Release-Of,valueonly)', proposal.branch).trim()).toBe(v[1]);
    expect(h.git('web', 'rev-parse', 'environments/staging').trim()).toBe(current);
    const text = await cli(['release', 'web', v[1]!, '--env', 'staging', '--propose']);
    expect(text.stdout).toMatch(/^proposed \S+: release [0-9a-f]{7,} to staging to every instance at once, once approved and merged$/m);
    expect((await cli(['release', 'web', v[1]!, '--env', 'staging', '--propose', '--dry-run'])).code).toBe(2);
    expect((await cli(['release', 'web', v[1]!, '--env', 'nowhere', '--propose'])).code).toBe(3);
  });

  it('compares two environments per cluster (env diff) and rolls one back to what it ran before (env rollback)', async () => {
    // staging runs v[1] by now or later; prod runs v[0].
    const staging = await cli(['--json', 'release', 'web', v[2]!, '--env', 'staging', '-m', 'three']);
    expect(staging.code, staging.stderr).toBe(0);
    const diff = await cli(['--json', 'env', 'diff', 'web', 'staging', 'prod'], VIEWER.token);
    expect(diff.code, diff.stderr).toBe(0);
    const clusters = json<{
      clusters: { cluster: string | null; files: { path: string; changes: { pointer: string; oldValue: unknown; newValue: unknown }[] }[] }[];
    }>(diff).clusters;
    expect(clusters.map((c) => c.cluster)).toEqual([null, 'eu-1', 'us-1']);
    expect(clusters[0]!.files).toMatchObject([{ path: 'app.json', changes: [{ pointer: '/replicas', oldValue: 1, newValue: 3 }] }]);
    const text = await cli(['env', 'diff', 'web', 'staging', 'prod'], VIEWER.token);
    expect(text.stdout).toMatch(/^base \(no cluster\): 1 document\(s\) differ$/m);
    expect((await cli(['env', 'diff', 'web', 'staging', 'qa'], VIEWER.token)).code).toBe(3);

    const before = h.git('web', 'rev-parse', 'environments/staging').trim();
    const preview = await cli(['env', 'rollback', 'web', 'staging', '--to', v[0]!, '--dry-run']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/app\.json/);
    expect(h.git('web', 'rev-parse', 'environments/staging').trim()).toBe(before);
    const rolled = await cli(['--json', 'env', 'rollback', 'web', 'staging', '--to', v[0]!, '-m', 'three was wrong']);
    expect(rolled.code, rolled.stderr).toBe(0);
    const trailer = (key: string): string => h.git('web', 'log', '-1', `--format=%(trailers:key=${key},valueonly)`, 'environments/staging').trim();
    expect([h.git('web', 'log', '-1', '--format=%s', 'environments/staging').trim(), trailer('Cairn-Rollback-To'), trailer('Cairn-Release-Of')]).toEqual([
      'three was wrong',
      v[0],
      v[0],
    ]);
    expect((await cli(['env', 'rollback', 'web', 'staging', '--to', v[0]!], VIEWER.token)).code).toBe(5);
    expect((await cli(['env', 'rollback', 'web', 'staging', '--to', v[0]!, '--expect', before])).code).toBe(4);
    expect((await cli(['env', 'rollback', 'web', 'staging'])).code).toBe(2);
    // The delivery audit, newest first: the rollback is among the newest (entries of one second may come in either order).
    const history = json<{ version: { hash: string }; action: string; comment: string }[]>(
      await cli(['--json', 'env', 'history', 'web', '--limit', '3'], VIEWER.token),
    );
    expect(history).toContainEqual(
      expect.objectContaining({
        action: 'RELEASE',
        comment: 'three was wrong',
        version: expect.objectContaining({ hash: h.git('web', 'rev-parse', 'environments/staging').trim() }),
      }),
    );
    expect(history).toHaveLength(3);
    expect((await cli(['env', 'history', 'web', '--limit', 'x'], VIEWER.token)).code).toBe(2);
    h.git('web', 'fsck', '--strict');
  });
});
