import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect } from '../../src/client/node/index.js';
import { RunningCli, runCli, spawnCli } from '../cli/cli-process.js';
import { CREATE_NAMESPACE, PUT_CONFIG } from '../support/operations.js';
import { type ServerProcess, listeningUrl, startServerProcess } from '../support/server-process.js';
import { type IssuedCertificate, TestCertificateAuthority } from '../support/test-certificates.js';

/**
 * The real server process with CAIRN_TLS_CERT/CAIRN_TLS_KEY, certificates made by openssl under a private CA: HTTPS
 * and WSS on one port, HSTS, the CLI, the agent and the client library trusting that CA, certificate rotation
 * without a restart, and the refusal of a non-loopback address without TLS.
 */
describe('TLS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-tls-'));
  const servers: ServerProcess[] = [];
  let ca: TestCertificateAuthority;
  let first: IssuedCertificate;
  let server: ServerProcess;
  let url: string;
  // The files the server reads; each pair is copied over them, as a certificate manager would.
  const live = { certFile: path.join(dir, 'live.crt'), keyFile: path.join(dir, 'live.key') };

  const install = (file: 'certFile' | 'keyFile', from: IssuedCertificate): void => {
    // Written aside then renamed: the server never reads half a file (what cert-manager and Kubernetes do too).
    copyFileSync(from[file], `${live[file]}.new`);
    renameSync(`${live[file]}.new`, live[file]);
  };

  const start = (env: Record<string, string>): ServerProcess => {
    const started = startServerProcess({ CAIRN_DATA_DIR: path.join(dir, 'repos'), CAIRN_PORT: '0', CAIRN_FSYNC: 'false', CAIRN_TOKENS_FILE: '', ...env });
    servers.push(started);
    return started;
  };

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<{ data: T; hsts: string | undefined }> => {
    const answer = await post(`${url}/graphql`, JSON.stringify({ query, variables }), ca.pem);
    const hsts = answer.headers['strict-transport-security'];
    return { data: (JSON.parse(answer.text) as { data: T }).data, hsts: typeof hsts === 'string' ? hsts : undefined };
  };

  beforeAll(async () => {
    ca = TestCertificateAuthority.create(dir);
    first = ca.issue('first');
    install('certFile', first);
    install('keyFile', first);
    server = start({ CAIRN_TLS_CERT: live.certFile, CAIRN_TLS_KEY: live.keyFile, CAIRN_TLS_RELOAD_MS: '100' });
    url = await listeningUrl(server);
    await gql(CREATE_NAMESPACE, { name: 'shop' });
    await gql(PUT_CONFIG, { input: { namespace: 'shop', path: 'api.json', content: { replicas: 2 }, expectedVersion: null } });
  });

  afterAll(() => {
    for (const s of servers) s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves GraphQL over HTTPS with HSTS, and refuses plain HTTP on the same port', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { data, hsts } = await gql<{ viewer: { name: string } }>('{ viewer { name } }');
    expect(data.viewer.name).toBe('Local Developer');
    expect(hsts).toBe('max-age=31536000');
    const health = await get(`${url}/healthz`, ca.pem);
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    await expect(fetch(`${url.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
    // Without the private CA, the certificate is not trusted.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('delivers a subscription over WSS', async () => {
    const pem = ca.pem;
    const client = createClient({
      url: `${url.replace('https:', 'wss:')}/graphql`,
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { ca: pem });
        }
      },
      retryAttempts: 0,
    });
    try {
      const event = new Promise<{ path: string }[]>((resolve, reject) => {
        client.subscribe<{ changes: { documents: { path: string }[] } }>(
          { query: 'subscription { changes(namespace: "shop") { documents { path } } }' },
          { next: (message) => message.data && resolve(message.data.changes.documents), error: reject, complete: () => undefined },
        );
      });
      await new Promise<void>((resolve) => client.on('connected', () => resolve()));
      // The subscription is registered once connected; a write shortly after reaches it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await gql(PUT_CONFIG, { input: { namespace: 'shop', path: 'ws.json', content: { live: true } } });
      expect(await event).toEqual([{ path: 'ws.json' }]);
    } finally {
      await client.dispose();
    }
  });

  it('the CLI (get, watch over WSS) and the agent reach it with NODE_EXTRA_CA_CERTS, and refuse it without', async () => {
    const trusted = { url, env: { NODE_EXTRA_CA_CERTS: ca.caFile } };
    const agentDir = path.join(dir, 'agent');
    // Side by side: each CLI process takes a second to load. cairn watch reads the feed over WSS from the namespace's start.
    const watcher = new RunningCli(spawnCli(['--json', 'watch', 'shop', '--since', '0'.repeat(40)], trusted));
    const [got, refused, agent] = await Promise.all([
      runCli(['get', 'shop', 'api.json'], trusted),
      runCli(['get', 'shop', 'api.json'], { url }),
      runCli(['agent', '--namespace', 'shop', '--dir', agentDir, '--once'], trusted),
    ]);
    expect(got.stderr).toBe('');
    expect(JSON.parse(got.stdout)).toEqual({ replicas: 2 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(refused.stderr).toContain('NODE_EXTRA_CA_CERTS');
    expect(agent.code, agent.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(agentDir, 'api.json'), 'utf8'))).toEqual({ replicas: 2 });
    try {
      await expect.poll(() => watcher.lines.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      expect(watcher.lines.map((line) => (JSON.parse(line) as { action: string }).action).slice(0, 2)).toEqual(['CREATE', 'CREATE']);
    } finally {
      watcher.child.kill('SIGTERM');
      await watcher.exited;
    }
  });

  it('the client library follows it with a `ca` option, live over WSS', async () => {
    const config = await connect({ url, namespace: 'shop', ca: ca.pem, timeoutMs: 10_000 });
    try {
      expect(config.get('api.json')).toEqual({ replicas: 2 });
      await expect.poll(() => config.live).toBe(true);
      await gql(PUT_CONFIG, { input: { namespace: 'shop', path: 'library.json', content: { followed: true }, expectedVersion: null } });
      await expect.poll(() => config.get('library.json')).toEqual({ followed: true });
    } finally {
      await config.close();
    }
    await expect(connect({ url, namespace: 'shop', timeoutMs: 500 })).rejects.toThrow();
  });

  it('takes a rotated certificate for new connections without a restart; a pair that does not load leaves the previous one', async () => {
    expect(await presented(url, ca.pem)).toBe(first.fingerprint256);
    const second = ca.issue('second');
    install('keyFile', second);
    install('certFile', second);
    await expect.poll(() => presented(url, ca.pem)).toBe(second.fingerprint256);
    expect((await gql<{ viewer: { name: string } }>('{ viewer { name } }')).data.viewer.name).toBe('Local Developer');

    // A new certificate whose key has not arrived yet: refused, logged, the second pair still served.
    const third = ca.issue('third');
    const logged = server.lines.length;
    install('certFile', third);
    await expect.poll(() => server.lines.slice(logged).some((line) => line.includes('does not load'))).toBe(true);
    expect(server.lines.slice(logged).join('\n')).toContain('the private key does not match the certificate');
    expect(await presented(url, ca.pem)).toBe(second.fingerprint256);
    // Once the key follows, the pair loads.
    install('keyFile', third);
    await expect.poll(() => presented(url, ca.pem)).toBe(third.fingerprint256);
    // Something that is no certificate at all: the same.
    writeFileSync(live.certFile, 'not a certificate\n');
    const before = server.lines.length;
    await expect.poll(() => server.lines.slice(before).some((line) => line.includes('does not load'))).toBe(true);
    expect(await presented(url, ca.pem)).toBe(third.fingerprint256);
    expect(server.lines.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('refuses a non-loopback address without TLS, unless a proxy terminates it; refuses a pair that does not load at start', async () => {
    const tokensFile = path.join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ tokens: [{ token: 'a-long-test-token', name: 'T', email: 't@example.com', roles: { '*': 'admin' } }] }));
    const exposed = { CAIRN_HOST: '0.0.0.0', CAIRN_TOKENS_FILE: tokensFile, CAIRN_DATA_DIR: path.join(dir, 'exposed') };
    // Started side by side: each process takes a second to load.
    const refused = start(exposed);
    const proxied = start({ ...exposed, CAIRN_TLS_TERMINATED_BY_PROXY: 'true', CAIRN_DATA_DIR: path.join(dir, 'proxied') });
    const broken = start({ CAIRN_DATA_DIR: path.join(dir, 'broken'), CAIRN_TLS_CERT: live.certFile, CAIRN_TLS_KEY: live.keyFile });
    expect(await refused.exited).toBe(1);
    expect(refused.lines.join('\n')).toContain('CAIRN_HOST=0.0.0.0 is not a loopback address and TLS is off');
    expect(await listeningUrl(proxied)).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(await broken.exited).toBe(1);
    expect(broken.lines.join('\n')).toContain('CAIRN_TLS_CERT/CAIRN_TLS_KEY');
  });
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

function get(url: string, ca: string): Promise<Answer> {
  return exchange(url, { method: 'GET' }, ca, undefined);
}

function post(url: string, body: string, ca: string): Promise<Answer> {
  return exchange(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, ca, body);
}

function exchange(url: string, options: { method: string; headers?: Record<string, string> }, ca: string, body: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** The fingerprint of the certificate a new TLS connection is shown (no session reused). */
function presented(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: hostname, port: Number(port), ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}
