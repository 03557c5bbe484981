import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli } from './cli-process.js';

describe('a server that never answers', () => {
  let hung: Server;
  let url: string;
  beforeAll(async () => {
    // Accepts the connection and the request, then says nothing: a hung process, or a proxy holding the request.
    hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hung.closeAllConnections();
    await new Promise((resolve) => hung.close(resolve));
  });

  it('ends the command after --timeout with exit 6, saying a write may have landed and how to find out', async () => {
    const started = Date.now();
    const r = await runCli(['--json', '--timeout', '300', 'put', 'app', 'a.json', '-', '--request-id', 'deploy-7'], { url, input: '{"a":1}' });
    expect(r.code).toBe(6);
    expect(Date.now() - started).toBeLessThan(10_000);
    const error = json<{ error: { type: string; message: string } }>(r).error;
    expect(error.type).toBe('Timeout');
    expect(error.message).toContain('within 300 ms');
    expect(error.message).toContain('same --request-id');
  });

  it('takes CAIRN_TIMEOUT_MS from the environment, and refuses a timeout that is not a positive number (exit 2)', async () => {
    const [fromEnv, bad] = await Promise.all([
      runCli(['get', 'app', 'a.json'], { url, env: { CAIRN_TIMEOUT_MS: '200' } }),
      runCli(['--timeout', 'soon', 'get', 'app', 'a.json'], { url }),
    ]);
    expect(fromEnv.code).toBe(6);
    expect(fromEnv.stderr).toContain('within 200 ms');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--timeout');
  });
});
