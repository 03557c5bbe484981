import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';

const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { status } } }`;

/**
 * The stored form of a secret is a plain age file: an operator holding the key decrypts a value from the repository
 * with the age command-line tool, with no Cairn involved (a key made by `age-keygen`, read by the server).
 */
describe('a secret value in Git, decrypted by the age CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-age-cli-'));
  const key = path.join(dir, 'key.txt');
  let h: Harness;

  beforeAll(async () => {
    execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
    h = await startHarness({ env: { CAIRN_SECRETS_KEY_FILE: key } });
    await h.gql(CREATE_NAMESPACE, { name: 'ops' });
    const put = (p: string, content: unknown, expectedVersion: string | null) =>
      h.gql<{ putConfig: { status: string } }>(PUT, { input: { namespace: 'ops', path: p, content, expectedVersion } });
    expect((await put('.cairn/policy.json', { secrets: ['services/*/db.yaml#/password'] }, null)).data.putConfig.status).toBe('COMMITTED');
    expect((await put('services/api/db.yaml', { host: 'db', password: { user: 'app', pass: 's3cr3t-value' } }, null)).data.putConfig.status).toBe('COMMITTED');
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives each value's JSON back from `age -d -i key` on the string stored in the committed blob", async () => {
    const stored = (await import('yaml')).parse(h.git('ops', 'show', 'HEAD:services/api/db.yaml')) as { host: string; password: Record<string, string> };
    expect(stored.host).toBe('db');
    const file = path.join(dir, 'pass.age');
    writeFileSync(file, stored.password.pass as string);
    expect(execFileSync('age', ['-d', '-i', key, file], { encoding: 'utf8' })).toBe('"s3cr3t-value"');
    writeFileSync(file, stored.password.user as string);
    expect(execFileSync('age', ['-d', '-i', key, file], { encoding: 'utf8' })).toBe('"app"');
    expect(h.git('ops', 'log', '-p', '--all')).not.toContain('s3cr3t-value');
  });
});
