import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

/** Node adds this to keepAliveTimeout before its timer closes an idle connection (lib/_http_server.js). */
const NODE_KEEP_ALIVE_BUFFER_MS = 1_000;
const KEEP_ALIVE_MS = 300;

function request(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`;
}

/** Resolves with everything received once `count` HTTP responses arrived, or with what came before the socket closed. */
function responses(socket: Socket, count: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const done = (closed: boolean): void => {
      socket.removeAllListeners('data');
      resolve({ text, closed });
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      // /healthz answers chunked: a response is complete at its last chunk.
      if ((text.match(/\r\n0\r\n\r\n/g) ?? []).length >= count) done(false);
    });
    socket.once('close', () => done(true));
    socket.once('error', () => undefined);
  });
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // The server runs in this process: this is a long synchronous request holding its event loop.
  }
}

describe('keep-alive connections', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    h.server.server.keepAliveTimeout = KEEP_ALIVE_MS;
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers a request already sent on an idle connection whose keep-alive timer expired while the loop was busy', async () => {
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const first = responses(socket, 1);
    socket.write(request('/healthz'));
    expect((await first).closed).toBe(false);
    // The client sends its next request at once; the server's loop is then busy past the keep-alive timeout, so the
    // timer and the unread request are both pending when it comes back.
    const second = responses(socket, 1);
    socket.write(request('/healthz'));
    busyWait(KEEP_ALIVE_MS + NODE_KEEP_ALIVE_BUFFER_MS + 700);
    const answer = await second;
    expect(answer.closed, `connection closed before the answer: ${JSON.stringify(answer.text)}`).toBe(false);
    expect(answer.text).toContain('HTTP/1.1 200');
    socket.destroy();
  });

  it('still closes a connection that stays idle', async () => {
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const first = responses(socket, 1);
    socket.write(request('/healthz'));
    await first;
    const started = performance.now();
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(performance.now() - started).toBeLessThan(KEEP_ALIVE_MS + NODE_KEEP_ALIVE_BUFFER_MS + 5_000);
  });
});

/** One GET through `agent`: its status, its Keep-Alive header, and whether it went on a connection used before. */
function get(agent: Agent, url: string): Promise<{ status: number; keepAlive: string | undefined; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, keepAlive: res.headers['keep-alive']?.toString(), reused: req.reusedSocket }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('keep-alive longer than the pools in front of the server', () => {
  it('keeps idle connections 65 s by default (proxies keep theirs 60 s) and says so in Keep-Alive', async () => {
    const h = await startHarness();
    try {
      expect(h.server.server.keepAliveTimeout).toBe(65_000);
      expect(h.server.server.headersTimeout).toBeGreaterThan(65_000);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      expect((await get(agent, `${h.url}/healthz`)).keepAlive).toBe('timeout=65');
      agent.destroy();
    } finally {
      await h.close();
    }
  });

  it('serves a client that ignores the Keep-Alive hint (as proxies do) after 6.5 s idle on the same connection', async () => {
    // Node's own default closed an idle connection after 5 s (plus its 1 s buffer): a proxy keeping its connections
    // 60 s sent the next request on a closed one. The test is as long as that gap, once.
    const h = await startHarness();
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1');
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const first = responses(socket, 1);
      socket.write(request('/healthz'));
      expect((await first).closed).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      const second = responses(socket, 1);
      socket.write(request('/healthz'));
      const answer = await second;
      expect(answer.closed, 'the server closed the idle connection').toBe(false);
      expect(answer.text).toContain('HTTP/1.1 200');
    } finally {
      socket.destroy();
      await h.close();
    }
  });
});
