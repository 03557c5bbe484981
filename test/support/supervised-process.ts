import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * A real tool server a test starts (redis-server, etcd) tied to the test process: a watchdog shell waits on its stdin,
 * which closes when the test process ends however it ends (kill -9 included), and then kills the server (and removes
 * `removeWithIt`, its data directory, when given). `stop()` ends it with SIGTERM, SIGKILL after `stopTimeoutMs`.
 */
export function superviseChild(server: ChildProcess, name: string, removeWithIt: string | null, stopTimeoutMs: number): { stop(): Promise<void> } {
  const script = removeWithIt === null ? 'read _ignored; kill -KILL "$1" 2>/dev/null' : 'read _ignored; kill -KILL "$1" 2>/dev/null; rm -rf "$2"';
  const watchdog = spawn('sh', ['-c', script, `${name}-watchdog`, String(server.pid), ...(removeWithIt === null ? [] : [removeWithIt])], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  const killBoth = (): void => {
    watchdog.kill('SIGKILL');
    server.kill('SIGKILL');
  };
  process.once('exit', killBoth);
  return {
    async stop() {
      process.off('exit', killBoth);
      watchdog.kill('SIGKILL');
      await terminate(server, stopTimeoutMs);
    },
  };
}

async function terminate(child: ChildProcess, stopTimeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}
