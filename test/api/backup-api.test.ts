import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG } from '../support/operations.js';
import { ADMIN, EDITOR, type TestToken } from '../support/tokens.js';

/** Admin of every namespace there is, by name, but not of `*`: a namespace created tomorrow would be left out. */
const NAMED_ADMIN: TestToken = { token: 'named-admin-token', name: 'Named Admin', email: 'named@example.com', roles: { shop: 'admin' } };

/** GET /v1/backup and /v1/backup/<name>: what `cairn backup` reads (test/cli/backup-restore.test.ts drills it whole). */
describe('GET /v1/backup', () => {
  let h: Harness;
  const get = (pathname: string, token: string | null = ADMIN.token, method = 'GET'): Promise<Response> =>
    fetch(`${h.url}${pathname}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, NAMED_ADMIN], transport: 'http' });
    await h.gql(CREATE_NAMESPACE, { name: 'shop' });
    await h.gql(PUT_CONFIG, { input: { namespace: 'shop', path: 'a.json', content: { a: 1 }, expectedVersion: null } });
  });

  afterAll(() => h?.close());

  it('lists the repositories and answers each as a Git bundle whose refs are the repository’s', async () => {
    expect(await (await get('/v1/backup')).json()).toEqual({ repositories: ['shop'] });
    const res = await get('/v1/backup/shop');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-bundle');
    const file = path.join(h.dataDir, '..', 'shop.bundle');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const heads = execFileSync('git', ['--git-dir', path.join(h.dataDir, 'shop.git'), 'bundle', 'list-heads', file], { encoding: 'utf8' });
    expect(heads.trim()).toBe(`${h.git('shop', 'rev-parse', 'main').trim()} refs/heads/main`);
  });

  it('refuses without a token (401), without admin of * (403), an unknown repository (404) and anything but GET (405)', async () => {
    expect((await get('/v1/backup', null)).status).toBe(401);
    for (const token of [EDITOR.token, NAMED_ADMIN.token]) {
      const refused = await get('/v1/backup/shop', token);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      expect((await get('/v1/backup', token)).status).toBe(403);
    }
    expect((await get('/v1/backup/nowhere')).status).toBe(404);
    expect((await get('/v1/backup/.cairn')).status).toBe(404);
    expect((await get('/v1/backup/..%2Fetc')).status).toBe(404);
    expect((await get('/v1/backup/shop', ADMIN.token, 'POST')).status).toBe(405);
  });
});
