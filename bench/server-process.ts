import { type ChildProcess, spawn } from 'node:child_process';
import { DIST_BIN } from './dist.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/support/free-port.js';

const root = path.resolve(import.meta.dirname, '..');

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Milliseconds from spawn to "listening" (every namespace's index loaded). */
  readonly readyMs: number;
  rssMb(): number;
  stop(): Promise<void>;
}

/** The built server (`dist/`), in its own process, so its start-up and memory are measured apart from the bench. */
/**
 * The V8 flags of `npm start` (package.json): a small young generation and an old generation grown by 30% at a time
 * keep a 100k-version server under 200 MB, as `--optimize-for-size` did, without its "reduce memory" collections
 * (several times slower diffs of wide namespaces, see docs/performance.md).
 */
export const NPM_START_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=30'];

export async function startServerProcess(dataDir: string, env: Record<string, string> = {}, nodeFlags?: readonly string[]): Promise<ServerProcess> {
  const port = await freePort();
  const started = performance.now();
  const flags = nodeFlags ?? process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? NPM_START_FLAGS;
  const child = spawn(process.execPath, [...flags, path.join(DIST_BIN, 'server.js')], {
    cwd: root,
    // The subscriber bench opens 1,000 WebSockets at once from this one address: no per-address cap, and room for
    // all of them to await connection_init together.
    env: {
      ...process.env,
      CAIRN_DATA_DIR: dataDir,
      CAIRN_PORT: String(port),
      CAIRN_TOKENS_FILE: '',
      LOG_LEVEL: 'warn',
      CAIRN_GRAPHIQL: 'false',
      CAIRN_WS_MAX_CONNECTIONS_PER_IP: '0',
      CAIRN_WS_MAX_PENDING_CONNECTIONS: '2000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  // The server listens before its commit indexes are loaded: /readyz answers 200 once they are.
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - started;
  return {
    url,
    child,
    readyMs,
    rssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    async stop() {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
