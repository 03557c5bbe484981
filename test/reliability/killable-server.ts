import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { builtEntry } from '../support/built-sources.js';
import { freePort, listensOn } from '../support/free-port.js';

const root = path.resolve(import.meta.dirname, '../..');

/** The built server of a crash suite, to be killed with SIGKILL at any instant. */
export interface KillableServer {
  readonly url: string;
  readonly child: ChildProcess;
  /** Its last 200 lines of output, for the failure message. */
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the built server (the bundle `npm start` runs) on `dataDir` with fsync on and exactly `settings` (nothing
 * from the caller's CAIRN_* environment), and waits until /readyz says ready. Started again on another port when
 * another process took its port first: that process's answers are not this server's. `children` collects every
 * process started, for the suite to kill at the end.
 */
export async function startKillableServer(dataDir: string, settings: Record<string, string>, children: ChildProcess[]): Promise<KillableServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CAIRN_') && k !== 'LOG_LEVEL') env[k] = v;
  Object.assign(env, {
    CAIRN_DATA_DIR: dataDir,
    CAIRN_HOST: '127.0.0.1',
    CAIRN_PORT: String(port),
    CAIRN_TOKENS_FILE: '',
    CAIRN_FSYNC: 'true',
    CAIRN_GRAPHIQL: 'false',
    LOG_LEVEL: 'warn',
    ...settings,
  });
  const child = spawn(process.execPath, [builtEntry('src/server/main')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const output: string[] = [];
  const collect = (chunk: Buffer): void => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  // The server listens before its services are started: /readyz says when it is ready.
  for (;;) {
    if (child.exitCode !== null && output.some((line) => line.includes('EADDRINUSE'))) return startKillableServer(dataDir, settings, children);
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`server exited during start (${child.exitCode ?? child.signalCode}):\n${output.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`server not ready after 20 s:\n${output.join('\n')}`);
    const body = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => (r.ok ? r.json() : null),
      () => null,
    );
    if (body && (body as { status?: string }).status === 'ready') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!listensOn(child.pid ?? 0, port)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    return startKillableServer(dataDir, settings, children);
  }
  return { url, child, output, exited };
}
