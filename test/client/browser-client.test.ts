import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { FlagsEnvironment } from '../support/flags-environment.js';
import { freePort } from '../support/free-port.js';
import { type Harness, startHarness } from '../support/harness.js';
import { ADMIN, EDITOR, type TestToken } from '../support/tokens.js';

/**
 * The client library as a frontend runs it: bundled for browsers, loaded by a page of another origin in headless
 * Chromium, reading its flags over CORS and the live feed, across a server restart, and from localStorage while
 * Cairn is down.
 */

const FRONTEND: TestToken = { token: 'frontend-agent-token', name: 'Web frontend', email: 'web@example.com', roles: { flags: 'agent' } };

const PAGE = `<!doctype html><meta charset="utf-8"><title>flags</title>
<script type="module">
  import { connect } from '/client.js';
  window.seen = [];
  window.connectCairn = async (options) => {
    const config = await connect(options);
    window.cairn = config;
    config.watch('web/ui.json', (value, info) => { window.seen.push({ value, version: info.version }); });
    return { version: config.version, fromCache: config.fromCache, ui: config.get('web/ui.json') };
  };
  window.ready = true;
</script>`;

describe('the client library in a browser', () => {
  let h: Harness;
  let site: Server;
  let origin = '';
  let browser: Browser;
  let page: Page;
  let flags: FlagsEnvironment;
  const put = (checkout: boolean): Promise<string> => flags.put(checkout);
  const release = (version: string): Promise<void> => flags.release(version);

  const open = async (): Promise<{ version: string; fromCache: boolean; ui: unknown }> => {
    await page.goto(origin);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    return page.evaluate(
      (options) => (window as unknown as { connectCairn: (o: unknown) => Promise<{ version: string; fromCache: boolean; ui: unknown }> }).connectCairn(options),
      { url: h.url, token: FRONTEND.token, namespace: 'flags', env: 'prod', cluster: 'eu-1', instance: 'browser-1', timeoutMs: 2_000 },
    );
  };
  const seen = (): Promise<{ value: unknown; version: string }[]> =>
    page.evaluate(() => (window as unknown as { seen: { value: unknown; version: string }[] }).seen);

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.resolve(import.meta.dirname, '../../src/client/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'warning',
    });
    const script = bundle.outputFiles[0]!.text;
    expect(script).not.toMatch(/from ["']node:/);
    site = createServer((req, res) => {
      if (req.url === '/client.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    h = await startHarness({ tokens: [ADMIN, EDITOR, FRONTEND], transport: 'http', env: { CAIRN_PORT: String(await freePort()), CAIRN_CORS_ORIGINS: origin } });
    flags = await FlagsEnvironment.create(h, [{ path: 'web/ui.json', content: { checkout: false } }]);
    browser = await launchBrowser();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('gets and watches flags from another origin, across a server restart, and starts from localStorage while Cairn is down', async () => {
    const first = await open();
    expect(first).toEqual({ version: flags.head, fromCache: false, ui: { checkout: false } });
    await page.waitForFunction(() => (window as unknown as { cairn: { live: boolean } }).cairn.live);

    const two = await put(true);
    await release(two);
    await expect.poll(seen, { timeout: 15_000 }).toEqual([{ value: { checkout: true }, version: two }]);

    await h.restart();
    const three = await put(false);
    await release(three);
    await expect.poll(seen, { timeout: 15_000 }).toEqual([
      { value: { checkout: true }, version: two },
      { value: { checkout: false }, version: three },
    ]);

    // Cairn down: a reload starts from the snapshot in localStorage, at once.
    await h.stop();
    const offline = await open();
    expect(offline).toEqual({ version: three, fromCache: true, ui: { checkout: false } });
    await h.restart();
    const four = await put(true);
    await release(four);
    await expect.poll(seen, { timeout: 20_000 }).toEqual([{ value: { checkout: true }, version: four }]);
  });
});
