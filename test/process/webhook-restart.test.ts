import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CREATE_WEBHOOK } from '../support/webhook-operations.js';
import { type Receiver, startReceiver, verifyStandardWebhook } from '../support/webhook-receiver.js';
import { listeningUrl, startServerProcess } from '../support/server-process.js';

async function gql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe('webhook delivery across a crash', () => {
  const children: ChildProcess[] = [];
  const receivers: Receiver[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(receivers.map((r) => r.close()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a server killed while the receiver holds the request delivers the same event (same webhook-id) after restart, then the rest in order', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cairn-webhook-crash-'));
    dirs.push(dataDir);
    // Request 0 is held open until the server dies; request 3 is held to see SIGTERM abort an attempt in flight.
    const r = await startReceiver((n) => (n === 0 || n === 3 ? 'hold' : 200));
    receivers.push(r);
    const env = { CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_TOKENS_FILE: '', CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32', CAIRN_WEBHOOK_TIMEOUT_MS: '60000' };

    const first = startServerProcess(env);
    children.push(first.child);
    const url = await listeningUrl(first);
    await gql(url, 'mutation { createNamespace(input: { name: "crash" }) { __typename } }', {});
    const created = await gql<{ createWebhook: { secret: string; webhook: { id: string } } }>(url, CREATE_WEBHOOK, {
      input: { namespace: 'crash', url: r.url },
    });
    const { secret, webhook } = created.createWebhook;
    const put = async (base: string, file: string): Promise<string> => {
      const res = await gql<{ putConfig: WriteResult }>(base, PUT_CONFIG, {
        input: { namespace: 'crash', path: file, content: { file }, expectedVersion: null },
      });
      return res.putConfig.version!.hash;
    };
    const a = await put(url, 'a.json');
    const b = await put(url, 'b.json');
    const [held] = await r.waitFor(1);
    expect(held!.id).toBe(`crash:${a}`);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startServerProcess(env);
    children.push(second.child);
    await listeningUrl(second);
    const requests = await r.waitFor(3, 20_000);
    expect(requests.map((q) => q.id)).toEqual([`crash:${a}`, `crash:${a}`, `crash:${b}`]);
    for (const q of requests) expect(verifyStandardWebhook(secret, q)).toBe(true);
    expect(requests[1]!.body).toBe(requests[0]!.body);
    const cursor = (): string =>
      execFileSync('git', ['--git-dir', path.join(dataDir, 'crash.git'), 'rev-parse', `refs/cairn/webhooks/${webhook.id}`], { encoding: 'utf8' }).trim();
    for (let i = 0; i < 100 && cursor() !== b; i += 1) await new Promise((res) => setTimeout(res, 50));
    expect(cursor()).toBe(b);

    // SIGTERM while an attempt is in flight: the attempt is aborted, the server exits promptly and cleanly.
    const c = await put(await listeningUrl(second), 'c.json');
    await r.waitFor(4);
    const stopping = Date.now();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(cursor()).toBe(b);

    // ... and the event is delivered by the next start.
    const third = startServerProcess(env);
    children.push(third.child);
    await listeningUrl(third);
    const [, , , , again] = await r.waitFor(5, 20_000);
    expect(again!.id).toBe(`crash:${c}`);
    for (let i = 0; i < 100 && cursor() !== c; i += 1) await new Promise((res) => setTimeout(res, 50));
    expect(cursor()).toBe(c);
    execFileSync('git', ['--git-dir', path.join(dataDir, 'crash.git'), 'fsck', '--strict'], { stdio: 'pipe' });
  });
});
