import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

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
export async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'dist/src/server/main.js')], {
    cwd: root,
    env: { ...process.env, CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_TOKENS_FILE: '', LOG_LEVEL: 'info', CAIRN_GRAPHIQL: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"url":"(http:[^"]+)"/.exec(buffer);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${buffer}`)));
  });
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
