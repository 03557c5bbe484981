import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';
import { type CliResult, json, runCli } from './cli-process.js';

interface ErrorJson {
  error: { type: string; message: string; exitCode: number } & Record<string, unknown>;
}

interface WriteJson {
  status: string;
  version: { hash: string; action: string } | null;
  files: { path: string; status: string }[];
}

const LIMITS = 'replicas: 3\nimage: api:1.0\n';

describe('cairn delete, mv, put onto an existing document, get --cluster and diff across namespaces', () => {
  let h: Harness;
  const cli = (args: string[], token: string | null = EDITOR.token, input?: string): Promise<CliResult> =>
    runCli(args, { url: h.url, token, ...(input === undefined ? {} : { input }) });
  const head = (ns: string): string => h.git(ns, 'rev-parse', 'main').trim();
  const write = async (ns: string, changes: Record<string, unknown>[]): Promise<string> => {
    const current = h.git(ns, 'rev-list', '--all').trim() ? head(ns) : null;
    const res = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, { input: { namespace: ns, changes, expectedVersion: current } }, ADMIN.token);
    return res.data.applyChanges.version!.hash;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER] });
    for (const ns of ['docs', 'staging', 'prod']) await h.gql(CREATE_NAMESPACE, { name: ns }, ADMIN.token);
    await write('docs', [
      { path: 'limits.yaml', text: LIMITS },
      { path: 'old/name.json', text: '{"a": 1}\n' },
      { path: 'taken.json', text: '{}\n' },
      { path: 'app.json', text: '{"region": "any", "replicas": 2}\n' },
      { path: 'app.overlays/eu-1.patch.json', content: [{ op: 'replace', path: '/region', value: 'eu' }] },
    ]);
    await write('staging', [
      { path: 'app.json', text: '{"replicas": 1}\n' },
      { path: 'only-staging.json', text: '{}\n' },
    ]);
    await write('prod', [
      { path: 'app.json', text: '{"replicas": 5}\n' },
      { path: 'only-prod.json', text: '{}\n' },
    ]);
  });

  afterAll(() => h.close());

  it('refuses a put onto an existing document without --expect, naming the version to pass (exit 4)', async () => {
    const refused = await cli(['put', 'docs', 'limits.yaml', '-'], EDITOR.token, LIMITS);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`limits.yaml already exists: pass --expect <version> (current: ${head('docs')})`);
    const asJson = json<ErrorJson>(await cli(['--json', 'put', 'docs', 'limits.yaml', '-'], EDITOR.token, LIMITS));
    expect(asJson.error).toMatchObject({ type: 'VersionConflict', exitCode: 4, currentVersion: head('docs'), paths: ['limits.yaml'] });
  });

  it('moves a document in one commit, byte for byte, and refuses what it must', async () => {
    const before = head('docs');
    expect((await cli(['mv', 'docs', 'old/name.json', 'new/name.json'])).code).toBe(2);
    expect((await cli(['mv', 'docs', 'old/name.json', 'new/name.json', '--expect', before], VIEWER.token)).code).toBe(5);
    expect((await cli(['mv', 'docs', 'missing.json', 'new/name.json', '--expect', before])).code).toBe(3);
    const taken = await cli(['--json', 'mv', 'docs', 'old/name.json', 'taken.json', '--expect', before]);
    expect(taken.code).toBe(4);
    expect(json<ErrorJson>(taken).error).toMatchObject({ type: 'AlreadyExists', path: 'taken.json' });
    expect(head('docs')).toBe(before);

    const moved = await cli(['--json', 'mv', 'docs', 'old/name.json', 'new/name.json', '--expect', before, '-m', 'rename']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(json<WriteJson>(moved).files.map((f) => [f.path, f.status])).toEqual([
      ['new/name.json', 'ADDED'],
      ['old/name.json', 'DELETED'],
    ]);
    expect(h.git('docs', 'rev-list', '--count', `${before}..main`).trim()).toBe('1');
    expect(h.git('docs', 'show', '--format=%s', '-M', '--name-status', 'main').trim().split('\n')).toEqual([
      'rename',
      '',
      'R100\told/name.json\tnew/name.json',
    ]);
    expect(h.git('docs', 'cat-file', 'blob', 'main:new/name.json')).toBe('{"a": 1}\n');
    // The document changed since the version named: the move is a conflict, nothing committed.
    expect((await cli(['mv', 'docs', 'new/name.json', 'other.json', '--expect', before])).code).toBe(3);
    await write('docs', [{ path: 'new/name.json', text: '{"a": 2}\n' }]);
    const latest = head('docs');
    const stale = await cli(['mv', 'docs', 'new/name.json', 'other.json', '--expect', h.git('docs', 'rev-parse', 'main~1').trim()]);
    expect(stale.code).toBe(4);
    expect(head('docs')).toBe(latest);
  });

  it('deletes a document with its exit codes: usage, forbidden, not found, conflict', async () => {
    const before = head('docs');
    expect((await cli(['delete', 'docs', 'taken.json'])).code).toBe(2);
    expect((await cli(['delete', 'docs', 'taken.json', '--expect', before], VIEWER.token)).code).toBe(5);
    expect((await cli(['delete', 'docs', 'nothing.json', '--expect', before])).code).toBe(3);
    expect((await cli(['delete', 'docs', 'new/name.json', '--expect', 'main~2'])).code).toBe(4);
    const deleted = await cli(['--json', 'delete', 'docs', 'taken.json', '--expect', before, '-m', 'not needed']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(json<WriteJson>(deleted)).toMatchObject({ status: 'COMMITTED', version: { action: 'DELETE' }, files: [{ path: 'taken.json', status: 'DELETED' }] });
    expect(h.git('docs', 'log', '-1', '--format=%s|%(trailers:key=Cairn-Action,valueonly)', 'main').trim()).toBe('not needed|delete');
    expect(h.git('docs', 'ls-tree', '--name-only', 'main')).not.toContain('taken.json');
    h.git('docs', 'fsck', '--strict');
  });

  it('prints the effective document of a cluster (overlay applied) and its exit codes', async () => {
    const effective = await cli(['get', 'docs', 'app.json', '--cluster', 'eu-1'], VIEWER.token);
    expect(effective.code, effective.stderr).toBe(0);
    expect(JSON.parse(effective.stdout)).toEqual({ region: 'eu', replicas: 2 });
    const asJson = json(await cli(['--json', 'get', 'docs', 'app.json', '--cluster', 'eu-1'], VIEWER.token));
    expect(asJson).toMatchObject({ cluster: 'eu-1', overlayPath: 'app.overlays/eu-1.patch.json', at: head('docs'), content: { region: 'eu' } });
    // A cluster without an overlay runs the base.
    expect(json(await cli(['--json', 'get', 'docs', 'app.json', '--cluster', 'us-1'], VIEWER.token))).toMatchObject({
      overlayPath: null,
      content: { region: 'any' },
    });
    expect((await cli(['get', 'docs', 'nothing.json', '--cluster', 'eu-1'], VIEWER.token)).code).toBe(3);
    expect((await cli(['get', 'docs', 'app.json', '--cluster', 'eu-1'], null)).code).toBe(5);
    expect((await cli(['get', 'docs', 'app.json', '--cluster'], VIEWER.token)).code).toBe(2);
    // Two clusters side by side at one version (effectiveDiff): eu-1's overlay is the difference.
    const clusters = await cli(['--json', 'diff', 'docs', 'HEAD', 'HEAD', '--path', 'app.json', '--cluster', 'us-1', '--to-cluster', 'eu-1'], VIEWER.token);
    expect(clusters.code, clusters.stderr).toBe(0);
    expect(json(clusters)).toMatchObject({ files: [{ path: 'app.json', changes: [{ pointer: '/region', op: 'REPLACE', oldValue: 'any', newValue: 'eu' }] }] });
    expect((await cli(['diff', 'docs', 'HEAD', '--cluster', 'eu-1'], VIEWER.token)).code).toBe(2);
  });

  it("compares two namespaces (the server's compareConfigs), each at its version", async () => {
    const compared = await cli(['--json', 'diff', '--from-ns', 'staging', '--to-ns', 'prod'], VIEWER.token);
    expect(compared.code, compared.stderr).toBe(0);
    expect(json(compared)).toMatchObject({
      from: { namespace: 'staging', hash: head('staging') },
      to: { namespace: 'prod', hash: head('prod') },
      files: [
        { path: 'app.json', status: 'MODIFIED', changes: [{ pointer: '/replicas', op: 'REPLACE', oldValue: 1, newValue: 5 }] },
        { path: 'only-prod.json', status: 'ADDED' },
        { path: 'only-staging.json', status: 'DELETED' },
      ],
    });
    const human = await cli(['diff', '--from-ns', 'staging', '--to-ns', 'prod', '--path', 'app.json'], VIEWER.token);
    expect(human.stdout).toContain('1 document(s) differ');
    expect(human.stdout).toContain('-{"replicas": 1}');
    expect(human.stdout).toContain('+{"replicas": 5}');
    // Each side at a version of its own: the same namespace at the same version differs in nothing.
    const staging = head('staging');
    expect(json(await cli(['--json', 'diff', '--from-ns', 'staging', '--to-ns', 'staging', staging.slice(0, 12), 'HEAD'], VIEWER.token))).toMatchObject({
      from: { hash: staging },
      to: { hash: staging },
      files: [],
    });
    expect((await cli(['diff', '--from-ns', 'staging', '--to-ns', 'prod', 'f'.repeat(40)], VIEWER.token)).code).toBe(3);
    expect((await cli(['diff', '--from-ns', 'staging', '--to-ns', 'prod', 'HEAD', 'HEAD', 'HEAD'], VIEWER.token)).code).toBe(2);
    expect((await cli(['diff', '--from-ns', 'staging'], VIEWER.token)).code).toBe(2);
    expect((await cli(['diff', '--from-ns', 'staging', '--to-ns', 'nowhere'], VIEWER.token)).code).toBe(3);
    expect((await cli(['diff', '--from-ns', 'staging', '--to-ns', 'prod'], null)).code).toBe(5);
    expect((await cli(['diff', 'staging'], VIEWER.token)).code).toBe(2);
  });
});
