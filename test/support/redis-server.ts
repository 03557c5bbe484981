import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { superviseChild } from './supervised-process.js';

/**
 * A real `redis-server` (Debian's package; `.ci/run` installs it) on a free loopback port, without persistence, in
 * its own process. It dies with the test process however that ends: `stop()`, an `exit` handler, and a watchdog
 * shell that kills it once the test process is gone (even after SIGKILL) — no stray servers between runs.
 */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`, for `new Redis(url)` (ioredis). */
  readonly url: string;
  readonly port: number;
  /** Stops the server (its data is gone). Calling it again does nothing. */
  stop(): Promise<void>;
  /**
   * Stops the server if it runs, then starts an empty one on the same port and waits until it answers PING:
   * connected clients see their connection drop and must reconnect (ioredis does, and resubscribes).
   * After `stop()` it brings the server back.
   */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 5;

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-redis-'));
  let running: RunningRedis | null = null;
  let port = 0;
  // Another process may take the free port before redis binds it; a fresh port then.
  for (let attempt = 1; !running; attempt++) {
    port = await freePort();
    try {
      running = await launch(port, dir);
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !(error instanceof PortInUseError)) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let current: RunningRedis | null = running;
  const finalCleanup = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', finalCleanup);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      const stopping = current;
      current = null;
      await stopping?.stop();
      process.off('exit', finalCleanup);
      finalCleanup();
    },
    async restart() {
      const stopping = current;
      current = null;
      await stopping?.stop();
      mkdirSync(dir, { recursive: true });
      process.off('exit', finalCleanup);
      process.once('exit', finalCleanup);
      current = await launch(port, dir);
    },
  };
}

interface RunningRedis {
  stop(): Promise<void>;
}

class PortInUseError extends Error {}

async function launch(port: number, dir: string): Promise<RunningRedis> {
  const logFile = path.join(dir, `redis-${port}.log`);
  rmSync(logFile, { force: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile, '--daemonize', 'no'];
  const server = spawn('redis-server', args, { stdio: 'ignore' });
  server.unref();
  const { stop } = superviseChild(server, 'redis', dir, STOP_TIMEOUT_MS);
  try {
    await waitUntilReady(server, port);
  } catch (error) {
    await stop();
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    if (/Address already in use/.test(log)) throw new PortInUseError(`port ${port} is taken`);
    throw new Error(`redis-server did not start on port ${port}: ${error instanceof Error ? error.message : String(error)}\n${log}`, { cause: error });
  }
  return { stop };
}

/**
 * A shell that waits for its stdin to close — which happens when the test process ends, however it ends — and then
 * kills the server and removes its directory. Unreferenced, so it never keeps the test process alive.
 */
async function waitUntilReady(server: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`redis-server exited (${server.exitCode ?? server.signalCode})`);
    if (await answersAs(port, server.pid)) return;
    if (Date.now() > deadline) throw new Error(`no PONG within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Whether the port serves commands and is served by our process: `INFO server` names the process id, so a stranger
 * that grabbed the port first is not mistaken for our server. False on refusal, errors (LOADING) or timeout.
 */
function answersAs(port: number, pid: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.startsWith('-')) return done(false);
      const match = /\r\nprocess_id:(\d+)\r\n/.exec(reply);
      if (match) done(Number(match[1]) === pid);
    });
  });
}
