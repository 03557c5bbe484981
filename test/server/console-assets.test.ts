import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../src/server/settings.js';
import { type Harness, startHarness } from '../support/harness.js';

/** The static handler in front of a hand-made console build (the browser tests use a real Vite build). */
describe('web console assets', () => {
  let root: string;
  let h: Harness;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-assets-'));
    const dir = path.join(root, 'console');
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'assets', 'index-AbC123.css'), 'body{}');
    writeFileSync(path.join(dir, 'assets', 'notes.exe'), 'MZ');
    writeFileSync(path.join(root, 'secret.json'), '{"token":"s3cret"}');
    symlinkSync(path.join(root, 'secret.json'), path.join(dir, 'assets', 'link.json'));
    h = await startHarness({ env: { CAIRN_CONSOLE_DIR: dir } });
  });

  afterAll(async () => {
    await h.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (pathname: string, init?: RequestInit) => fetch(`${h.url}${pathname}`, init);

  it('serves index.html at / with a strict CSP and no caching', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src 'self' ws://${new URL(h.url).host} wss://${new URL(h.url).host}`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>console</title>');
  });

  it('serves hashed assets with their content type, cached for good', async () => {
    const js = await get('/assets/index-AbC123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await get('/assets/index-AbC123.css', { method: 'HEAD' });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-length')).toBe('6');
    expect(await css.text()).toBe('');
  });

  it('answers 404 for missing files and unknown types', async () => {
    expect((await get('/assets/missing-123.js')).status).toBe(404);
    expect((await get('/assets/notes.exe')).status).toBe(404);
  });

  it('never leaves the console directory', async () => {
    for (const attempt of [
      '/assets/link.json',
      '/assets/..%2f..%2fsecret.json',
      '/assets/%2e%2e/%2e%2e/secret.json',
      '/assets/..%5c..%5csecret.json',
      '/assets/a%00.js',
      // Double encoding is decoded once: a file named '%2e%2e', which does not exist.
      '/assets/%252e%252e/%252e%252e/secret.json',
      '/assets/%E0%A4%A.js',
      `/assets/${'a'.repeat(5_000)}.js`,
    ]) {
      const res = await get(attempt);
      expect(res.status, attempt).toBe(404);
      expect(await res.text()).not.toContain('s3cret');
    }
  });

  it('never follows Windows separators sent raw, and answers HEAD without a body; other methods are not its own', async () => {
    const raw = (method: string, target: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(h.url);
        const req = request({ host: url.hostname, port: url.port, method, path: target }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const target of ['/assets\\..\\..\\secret.json', '/assets/..\\..\\secret.json']) {
      const res = await raw('GET', target);
      expect(res.status, target).toBe(404);
      expect(res.body).not.toContain('s3cret');
    }
    expect(await raw('HEAD', '/')).toEqual({ status: 200, body: '' });
    expect((await raw('OPTIONS', '/')).body).not.toContain('<title>console</title>');
  });

  it('leaves /graphql and /healthz to the API', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const res = await h.gql('{ namespaces(first: 1) { edges { cursor } } }');
    expect(res.errors).toBeUndefined();
    expect((await get('/graphql', { method: 'POST' })).headers.get('content-security-policy')).toBeNull();
  });

  it('reads CAIRN_CONSOLE_DIR against the working directory, and defaults to dist/console of the checkout', () => {
    expect(readSettings({ CAIRN_CONSOLE_DIR: 'ui' }, '/srv/cairn').consoleDir).toBe('/srv/cairn/ui');
    expect(readSettings({}).consoleDir).toBe(path.resolve(import.meta.dirname, '../../dist/console'));
  });

  it('says the console is not built (503) when its directory is empty', async () => {
    const bare = await startHarness({ env: { CAIRN_CONSOLE_DIR: path.join(root, 'nowhere') } });
    try {
      const res = await fetch(`${bare.url}/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
      expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
