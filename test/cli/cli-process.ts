import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { builtEntry } from '../support/built-sources.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly url: string;
  readonly token?: string | null;
  readonly input?: string;
  readonly env?: Record<string, string>;
  /** The file mode creation mask of the CLI process, e.g. '077' (default: inherited). */
  readonly umask?: string;
}

function environment(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_URL: options.url, ...options.env };
  delete env.CAIRN_TOKEN;
  delete env.NO_COLOR;
  if (options.token) env.CAIRN_TOKEN = options.token;
  return env;
}

/** The real CLI (`src/cli/main.ts`, built as `npm run build` builds it) in its own process, as a script would run it. */
export function spawnCli(args: readonly string[], options: CliOptions): ChildProcess {
  const command = [process.execPath, builtEntry('src/cli/main'), ...args];
  const spawned = options.umask === undefined ? command : ['sh', '-c', `umask ${options.umask} && exec "$0" "$@"`, ...command];
  return spawn(spawned[0]!, spawned.slice(1), { cwd: root, env: environment(options), stdio: ['pipe', 'pipe', 'pipe'] });
}

export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The one JSON document a --json command printed. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  const lines = result.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one JSON line, got:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(lines[0]!) as T;
}

/** A long-running CLI (watch): its stdout lines as they arrive. */
export class RunningCli {
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private partial = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = this.partial + chunk.toString();
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }
}

/** Polls `condition` (after `refresh`, when given) until it holds. */
export async function until(condition: () => boolean, timeoutMs: number, describe: () => string, refresh?: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await refresh?.();
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
