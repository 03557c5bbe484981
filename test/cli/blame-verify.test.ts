import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';
import { json, runCli } from './cli-process.js';

/** cairn blame and cairn verify against a real server: who set each value, and the repository checked as git fsck does. */
describe('cairn blame and cairn verify', () => {
  let h: Harness;
  const v: string[] = [];
  const cli = (args: string[], token = VIEWER.token) => runCli(args, { url: h.url, token });

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER] });
    for (const ns of ['cfg', 'broken']) await h.gql(CREATE_NAMESPACE, { name: ns }, ADMIN.token);
    const contents = [
      [{ pool: 10, timeoutMs: 500 }, EDITOR.token, 'first'],
      [{ pool: 20, timeoutMs: 500 }, ADMIN.token, 'more connections'],
    ] as const;
    for (const [content, token, comment] of contents) {
      const res = await h.gql<{ putConfig: WriteResult }>(
        PUT_CONFIG,
        { input: { namespace: 'cfg', path: 'limits.json', content, comment, expectedVersion: v.at(-1) ?? null } },
        token,
      );
      v.push(res.data.putConfig.version!.hash);
    }
    await h.gql(PUT_CONFIG, { input: { namespace: 'broken', path: 'a.json', content: { a: 1 }, expectedVersion: null } }, EDITOR.token);
  });
  afterAll(() => h?.close());

  it('blames each value on the version, operator and comment that last set it', async () => {
    const blamed = await cli(['--json', 'blame', 'cfg', 'limits.json']);
    expect(blamed.code, blamed.stderr).toBe(0);
    const entries = json<{
      at: string;
      entries: { pointer: string; value: unknown; operator: { email: string }; comment: string; version: { hash: string } }[];
    }>(blamed);
    expect(entries.at).toBe(v[1]);
    expect(entries.entries.map((e) => [e.pointer, e.value, e.operator.email, e.version.hash])).toEqual([
      ['/pool', 20, ADMIN.email, v[1]],
      ['/timeoutMs', 500, EDITOR.email, v[0]],
    ]);
    const text = await cli(['blame', 'cfg', 'limits.json', '--pointer', '/pool']);
    expect(text.stdout).toMatch(/^\/pool\s+20\s+[0-9a-f]{7,}\s.*ada@example\.com\s+more connections$/m);
    expect(text.stdout).not.toContain('/timeoutMs');
    expect(json<{ entries: { value: unknown }[] }>(await cli(['--json', 'blame', 'cfg', 'limits.json', '--at', v[0]!])).entries.map((e) => e.value)).toEqual([
      10, 500,
    ]);
    expect((await cli(['blame', 'cfg', 'missing.json'])).code).toBe(3);
    expect((await cli(['blame', 'cfg'])).code).toBe(2);
  });

  it('verifies a repository (admins): exit 0 when sound, exit 1 with the problems when an object is damaged', async () => {
    const sound = await cli(['verify', 'cfg'], ADMIN.token);
    expect(sound.code, sound.stderr).toBe(0);
    expect(sound.stdout).toMatch(/^ok: \d+ objects and \d+ refs checked$/m);
    expect((await cli(['verify', 'cfg'], EDITOR.token)).code).toBe(5);
    // Damage the blob of a.json on disk (Cairn writes loose objects): verify names it.
    const blob = h.git('broken', 'rev-parse', 'HEAD:a.json').trim();
    const file = path.join(h.dataDir, 'broken.git', 'objects', blob.slice(0, 2), blob.slice(2));
    chmodSync(file, 0o644);
    writeFileSync(file, 'not a git object');
    const damaged = await cli(['--json', 'verify', 'broken'], ADMIN.token);
    expect(damaged.code).toBe(1);
    const report = JSON.parse(damaged.stdout.trim().split('\n')[0]!) as { ok: boolean; problems: { subject: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.subject)).toContain(blob);
  });
});
