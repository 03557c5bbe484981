import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { superviseChild } from './supervised-process.js';

/**
 * A real `etcd` (Debian's etcd-server package; `.ci/run` installs it) on free loopback ports, its data in a temp dir,
 * in its own process. It dies with the test process however that ends: `close()`, an `exit` handler, and a watchdog
 * shell that kills it once the test process is gone (even after SIGKILL), as for redis-server.
 */
export interface EtcdServer {
  /** `http://127.0.0.1:PORT`, for CAIRN_ETCD_ENDPOINTS and the etcd3 client. */
  readonly url: string;
  /** Stops the server, keeping its data: `start()` brings it back as it was, on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 5;

export async function startEtcdServer(): Promise<EtcdServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-etcd-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  let ports: { client: number; peer: number } | null = null;
  let running: RunningEtcd | null = null;
  for (let attempt = 1; !running; attempt++) {
    ports = { client: await freePort(), peer: await freePort() };
    try {
      running = await launch(ports.client, ports.peer, dir);
    } catch (error) {
      // Another process may have taken a free port before etcd bound it: fresh ports and a fresh data directory then.
      rmSync(path.join(dir, 'data'), { recursive: true, force: true });
      if (attempt >= PORT_ATTEMPTS) {
        removeDir();
        throw error;
      }
    }
  }
  const { client, peer } = ports!;
  let current: RunningEtcd | null = running;
  return {
    url: `http://127.0.0.1:${client}`,
    async stop() {
      const stopping = current;
      current = null;
      await stopping?.stop();
    },
    async start() {
      current ??= await launch(client, peer, dir);
    },
    async close() {
      const stopping = current;
      current = null;
      await stopping?.stop();
      process.off('exit', removeDir);
      removeDir();
    },
  };
}

interface RunningEtcd {
  stop(): Promise<void>;
}

async function launch(client: number, peer: number, dir: string): Promise<RunningEtcd> {
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const args = [
    '--name',
    'cairn-test',
    '--data-dir',
    path.join(dir, 'data'),
    '--listen-client-urls',
    clientUrl,
    '--advertise-client-urls',
    clientUrl,
    '--listen-peer-urls',
    peerUrl,
    '--initial-advertise-peer-urls',
    peerUrl,
    '--initial-cluster',
    `cairn-test=${peerUrl}`,
    '--logger',
    'zap',
    '--log-outputs',
    path.join(dir, 'etcd.log'),
    '--unsafe-no-fsync',
  ];
  const server = spawn('etcd', args, { stdio: 'ignore' });
  server.unref();
  const { stop } = superviseChild(server, 'etcd', null, STOP_TIMEOUT_MS);
  try {
    await waitUntilHealthy(server, clientUrl);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

async function waitUntilHealthy(server: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`etcd exited (${server.exitCode ?? server.signalCode})`);
    const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })
      .then(async (res) => res.ok && ((await res.json()) as { health?: string }).health === 'true')
      .catch(() => false);
    if (healthy) return;
    if (Date.now() > deadline) throw new Error(`etcd did not become healthy on ${url} within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
