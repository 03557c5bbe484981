import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { listeningUrl, startServerProcess } from '../support/server-process.js';

describe('the server process', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('without a tokens file: says so in its first log line and refuses a non-loopback host', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cairn-proc-'));
    dirs.push(dir);
    const refused = startServerProcess({ CAIRN_DATA_DIR: dir, CAIRN_PORT: '0', CAIRN_HOST: '0.0.0.0', CAIRN_TOKENS_FILE: '' });
    children.push(refused.child);
    expect(await refused.exited).toBe(1);
    expect(refused.lines.join('\n')).toContain('needs CAIRN_TOKENS_FILE');
    const dev = startServerProcess({ CAIRN_DATA_DIR: dir, CAIRN_PORT: '0', CAIRN_TOKENS_FILE: '' });
    children.push(dev.child);
    await listeningUrl(dev);
    expect(dev.lines[0]).toContain('development mode');
    expect(dev.lines[0]).toContain('Local Developer <dev@localhost>');
    expect(dev.lines[0]).toContain('127.0.0.1 only');
  });

  it('finishes in-flight writes on SIGTERM: every acknowledged write is in git log, and it exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cairn-proc-'));
    dirs.push(dir);
    const started = startServerProcess({ CAIRN_DATA_DIR: dir, CAIRN_PORT: '0', CAIRN_TOKENS_FILE: '' });
    children.push(started.child);
    const url = await listeningUrl(started);
    const post = (query: string, variables: object) =>
      fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) }).then(
        (r) => r.json() as Promise<{ data?: { putConfig: WriteResult } }>,
      );
    await post('mutation { createNamespace(input: { name: "shutdown" }) { __typename } }', {});
    const writes = Array.from({ length: 30 }, (_, i) =>
      post(PUT_CONFIG, { input: { namespace: 'shutdown', path: `doc-${i}.json`, content: { i }, expectedVersion: null } }).catch(() => null),
    );
    await new Promise((r) => setTimeout(r, 30));
    started.child.kill('SIGTERM');
    const results = await Promise.all(writes);
    expect(await started.exited).toBe(0);
    const acknowledged = results.filter((r) => r?.data?.putConfig.status === 'COMMITTED').map((r) => r!.data!.putConfig.version!.hash);
    expect(acknowledged.length).toBeGreaterThan(0);
    const log = execFileSync('git', ['--git-dir', path.join(dir, 'shutdown.git'), 'log', '--format=%H'], { encoding: 'utf8' });
    for (const hash of acknowledged) expect(log).toContain(hash);
    execFileSync('git', ['--git-dir', path.join(dir, 'shutdown.git'), 'fsck', '--strict']);
  });
});
