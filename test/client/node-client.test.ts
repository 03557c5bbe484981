import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CairnConfig, CairnClientError, connect } from '../../src/client/node/index.js';
import { FlagsEnvironment } from '../support/flags-environment.js';
import { freePort } from '../support/free-port.js';
import { type Harness, startHarness } from '../support/harness.js';
import { startNoWebSocketProxy } from '../support/no-websocket-proxy.js';
import { ADMIN, EDITOR, type TestToken, VIEWER } from '../support/tokens.js';

/** `cairn/client` in Node against a real server on a real socket: get, watch across a restart, the file cache, reports. */

const AGENT: TestToken = { token: 'agent-token-lib', name: 'Agent', email: 'agent@example.com', roles: { flags: 'agent' } };

describe('the client library in Node', () => {
  let h: Harness;
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'cairn-client-cache-'));
  const opened: CairnConfig[] = [];
  let flags: FlagsEnvironment;
  const put = (checkout: boolean): Promise<string> => flags.put(checkout);
  const release = (version: string): Promise<void> => flags.release(version);

  const open = async (options: Partial<Parameters<typeof connect>[0]> = {}): Promise<CairnConfig> => {
    const config = await connect({
      url: h.url,
      token: AGENT.token,
      namespace: 'flags',
      env: 'prod',
      cluster: 'eu-1',
      instance: 'web-1',
      cacheDir,
      heartbeatMs: 500,
      ...options,
    });
    opened.push(config);
    return config;
  };
  const until = async (condition: () => boolean | Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, AGENT], transport: 'http', env: { CAIRN_PORT: String(await freePort()) } });
    flags = await FlagsEnvironment.create(h, [
      { path: 'web/ui.json', content: { checkout: false } },
      { path: 'web/limits.yaml', text: 'rps: 10\n' },
      { path: 'web/limits.overlays/eu-1.patch.json', content: [{ op: 'replace', path: '/rps', value: 20 }] },
    ]);
  });

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await h?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("gets the instance's effective documents (its cluster's overlay applied), one version for all, and reports APPLIED", async () => {
    const config = await open();
    expect(config.fromCache).toBe(false);
    expect(config.paths()).toEqual(['web/limits.yaml', 'web/ui.json']);
    expect(config.get('web/ui.json')).toEqual({ checkout: false });
    expect(config.get<{ rps: number }>('web/limits.yaml')?.rps).toBe(20);
    expect(config.get('web/none.json')).toBeUndefined();
    await until(async () => {
      const state = await flags.state();
      return state.instances.some((i) => i.id === 'web-1' && i.status === 'APPLIED' && i.appliedVersion === config.version);
    }, 'the report');
    await config.close();
  });

  it('calls watchers on each release that changes their document, across a server restart, resuming without a gap', async () => {
    // No heartbeat within the test: only the feed (or the long-poll standing in for it) can bring the releases.
    const config = await open({ instance: 'web-2', heartbeatMs: 600_000 });
    const seen: { value: unknown; version: string; changes: readonly string[] }[] = [];
    config.watch('web/ui.json', (value, info) => void seen.push({ value, ...info }));
    await until(() => config.live, 'the live feed');
    const two = await put(true);
    await release(two);
    await until(() => seen.length === 1, 'the first change');
    expect(seen[0]).toEqual({ value: { checkout: true }, version: two, changes: ['web/ui.json'] });

    await h.restart();
    // A release made while the library reconnects reaches it all the same.
    const three = await put(false);
    await release(three);
    await until(() => config.version === three, 'the release after the restart');
    await until(() => config.live, 'the live feed again');
    expect(seen.map((s) => s.version)).toEqual([two, three]);
    expect(config.get('web/ui.json')).toEqual({ checkout: false });
  });

  it('falls back to long-polling when WebSockets are blocked, and still gets every release', async () => {
    const proxy = await startNoWebSocketProxy(() => h.url);
    try {
      const config = await open({ url: proxy.url, instance: 'web-5', heartbeatMs: 600_000, longPollMs: 5_000 });
      const seen: string[] = [];
      config.watch('web/ui.json', (_value, info) => void seen.push(info.version));
      const next = await put(config.get<{ checkout: boolean }>('web/ui.json')?.checkout !== true);
      await release(next);
      await until(() => seen.includes(next), 'the release through long-polls');
      expect(config.live).toBe(false);
      await config.close();
    } finally {
      await proxy.close();
    }
  });

  it('starts from the file cache while the server is down, and refuses a bad token with a typed error', async () => {
    const config = await open({ instance: 'web-3' });
    const version = config.version;
    const ui = config.get('web/ui.json');
    await config.close();
    expect(readdirSync(cacheDir).some((file) => file.includes('web-3'))).toBe(true);
    const url = h.url;
    await h.stop();
    const offline = await connect({ url, token: AGENT.token, namespace: 'flags', env: 'prod', cluster: 'eu-1', instance: 'web-3', cacheDir, timeoutMs: 1_000 });
    opened.push(offline);
    expect(offline.fromCache).toBe(true);
    expect(offline.version).toBe(version);
    expect(offline.get('web/ui.json')).toEqual(ui);
    // A tampered cache is not used: with the server down too, connect fails after its timeout.
    const [file] = readdirSync(cacheDir).filter((f) => f.includes('web-3'));
    writeFileSync(path.join(cacheDir, file!), '{"sha256":"0","body":"{}"}');
    await expect(
      connect({ url, token: AGENT.token, namespace: 'flags', env: 'prod', cluster: 'eu-1', instance: 'web-3', cacheDir, timeoutMs: 500 }),
    ).rejects.toMatchObject({
      code: 'UNREACHABLE',
    });
    await h.restart();
    const refused = connect({ url: h.url, token: 'not-a-token', namespace: 'flags', env: 'prod', cluster: 'eu-1', instance: 'web-4' });
    await expect(refused).rejects.toBeInstanceOf(CairnClientError);
    await expect(refused).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });
});
