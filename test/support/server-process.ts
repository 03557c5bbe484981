import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { builtEntry } from './built-sources.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Every line the process wrote to stdout and stderr (pino's JSON lines). */
  readonly lines: string[];
  readonly exited: Promise<number | null>;
}

/** The real entry point (`src/server/main.ts`, built as `npm start` builds it) in its own process: it can be signalled. */
export function startServerProcess(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [builtEntry('src/server/main')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  child.stderr?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

/** The URL from the "Cairn listening on" log line, once the server wrote it. */
export async function listeningUrl(started: ServerProcess, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = started.lines.find((l) => l.includes('Cairn listening on'));
    if (line) return (JSON.parse(line) as { url: string }).url;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not start:\n${started.lines.join('\n')}`);
}
