import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';

/** examples/client/ runs as its header says, against a real server: the README's promise that it runs as is. */

const root = path.resolve(import.meta.dirname, '../..');

describe('examples/client/watch-flags.mjs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER], transport: 'http' });
    await h.gql(CREATE_NAMESPACE, { name: 'payments' }, ADMIN.token);
    await h.gql(PUT_CONFIG, { input: { namespace: 'payments', path: 'flags.json', content: { checkout: false }, expectedVersion: null } }, EDITOR.token);
  });
  afterAll(() => h?.close());

  it('prints what it runs, then each change, and stops on SIGTERM', async () => {
    // `--conditions=source` resolves `cairn/client` to src/client (package.json exports), as `npx tsx --conditions=source` does.
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'examples/client/watch-flags.mjs'], {
      cwd: root,
      env: { ...process.env, CAIRN_URL: h.url, CAIRN_TOKEN: VIEWER.token, CAIRN_NAMESPACE: 'payments' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Record<string, unknown>[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.map((line) => JSON.parse(line) as Record<string, unknown>));
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    await expect.poll(() => lines.length, { timeout: 20_000 }).toBe(1);
    expect(lines[0]).toMatchObject({ event: 'running', fromCache: false, documents: { 'flags.json': { checkout: false } } });
    const put = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'payments', path: 'flags.json', content: { checkout: true }, expectedVersion: lines[0]!.version } },
      EDITOR.token,
    );
    await expect.poll(() => lines.length, { timeout: 15_000 }).toBe(2);
    expect(lines[1]).toEqual({
      event: 'changed',
      path: 'flags.json',
      version: put.data.putConfig.version!.hash,
      value: { checkout: true },
      changes: ['flags.json'],
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
