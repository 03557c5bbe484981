import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ADMIN = { token: 'admin-token-123', name: 'Ada Admin', email: 'ada@example.com', roles: { '*': 'admin' as const } };
const VIEWER = { token: 'viewer-token-123', name: 'Vic Viewer', email: 'vic@example.com', roles: { '*': 'viewer' as const } };
const VERIFY = `query($ns: String!) { verifyIntegrity(namespace: $ns) { __typename ... on IntegrityReport { ok objectsChecked refsChecked problems { kind subject message } } ... on Error { message } } }`;

interface Report {
  __typename: string;
  ok: boolean;
  objectsChecked: number;
  refsChecked: number;
  problems: { kind: string; subject: string; message: string }[];
}

describe('verifyIntegrity agrees with git fsck', () => {
  let h: Harness;
  const blobs: string[] = [];
  let gitdir: string;

  beforeEach(async () => {
    h = await startHarness({ tokens: [ADMIN, VIEWER] });
    await h.gql(CREATE_NAMESPACE, { name: 'vault' });
    gitdir = path.join(h.dataDir, 'vault.git');
    let version: string | null = null;
    for (let i = 0; i < 5; i += 1) {
      const res: { data: { putConfig: WriteResult } } = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: "vault", path: "secret.json", content: { i }, expectedVersion: version } });
      version = res.data.putConfig.version!.hash;
    }
    blobs.length = 0;
    blobs.push(...h.git('vault', 'rev-list', '--objects', '--all').trim().split('\n').map((l) => l.split(' ')[0]!));
  });

  afterEach(() => h.close());

  const verify = async (): Promise<Report> => (await h.gql<{ verifyIntegrity: Report }>(VERIFY, { ns: 'vault' })).data.verifyIntegrity;
  const fsckPasses = (): boolean => {
    try {
      execFileSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--full'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  it('is clean on a clean repository, checking every object git lists', async () => {
    const report = await verify();
    expect(report.ok).toBe(true);
    expect(report.objectsChecked).toBe(blobs.length);
    expect(report.refsChecked).toBe(1);
    expect(fsckPasses()).toBe(true);
  });

  it('finds an object whose content no longer matches its hash, as git fsck does', async () => {
    const blob = h.git('vault', 'rev-parse', 'HEAD:secret.json').trim();
    const file = path.join(gitdir, 'objects', blob.slice(0, 2), blob.slice(2));
    const forged = Buffer.from('{"i":999}\n');
    writeFileSync(file, deflateSync(Buffer.concat([Buffer.from(`blob ${forged.length}\0`), forged])));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'hash', subject: blob }));
    expect(fsckPasses()).toBe(false);
  });

  it('finds a truncated ref, as git fsck does', async () => {
    writeFileSync(path.join(gitdir, 'refs', 'heads', 'main'), 'a1b2c3\n');
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'ref', subject: 'refs/heads/main' }));
    expect(fsckPasses()).toBe(false);
  });

  it('finds a missing object, as git fsck does', async () => {
    const tree = h.git('vault', 'rev-parse', 'HEAD~2^{tree}').trim();
    const dir = path.join(gitdir, 'objects', tree.slice(0, 2));
    for (const name of readdirSync(dir)) if (name === tree.slice(2)) writeFileSync(path.join(dir, name), Buffer.alloc(0));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.subject === tree)).toBe(true);
    expect(fsckPasses()).toBe(false);
  });

  it('is for admins only', async () => {
    const res = await h.gql<{ verifyIntegrity: { __typename: string } }>(VERIFY, { ns: 'vault' }, VIEWER.token);
    expect(res.data.verifyIntegrity.__typename).toBe('Forbidden');
  });
});
