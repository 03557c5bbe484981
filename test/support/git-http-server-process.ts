import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FailureOptions, type GitHttpRequest, type GitHttpServerOptions, createServedRepository } from './git-http-server.js';

/**
 * The test Git remote of git-http-server.ts in a small process of its own, for tests that send it hundreds of
 * requests. Each request starts `git http-backend`, and forking costs in proportion to the forking process's memory:
 * from a small process it is a few milliseconds, from a test process holding replicas several times that, spent on
 * the test's own event loop, which the replicas under test need.
 *
 * What changes the server's behaviour (`failNext`, `pause`, `resume`) answers once the server has applied it, so
 * the test's next request meets it. `log` fills as the server reports; `settled()` waits until every request
 * answered so far is in it.
 */
export interface GitHttpServerProcess {
  /** Base URL with a trailing slash; a repository `name` is at `url + name`. */
  readonly url: string;
  /** Directory holding the served bare repositories. */
  readonly root: string;
  /** One entry per answered request, in order of completion, as far as the server has reported. */
  readonly log: readonly GitHttpRequest[];
  createRepository(name: string, options?: { initialBranch?: string }): string;
  failNext(count: number, options?: FailureOptions): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Resolves once `log` holds every request the server answered before this call. */
  settled(): Promise<void>;
  /** Stops the server and its process, and removes `root`. */
  close(): Promise<void>;
}

/** What the parent asks the child (git-http-server-child.ts). */
export type Command =
  { readonly op: 'failNext'; readonly count: number; readonly options?: FailureOptions } | { readonly op: 'pause' | 'resume' | 'ping' | 'close' };

/** A command on its way: `id` pairs the child's `done` with it. */
export type ParentCommand = Command & { readonly id: number };

export type ChildMessage =
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'logged'; readonly entry: GitHttpRequest }
  | { readonly type: 'done'; readonly id: number };

const CHILD = path.join(import.meta.dirname, 'git-http-server-child.ts');
const ROOT = path.resolve(import.meta.dirname, '../..');

export async function startGitHttpServerProcess(options: Pick<GitHttpServerOptions, 'auth'> = {}): Promise<GitHttpServerProcess> {
  const root = mkdtempSync(path.join(tmpdir(), 'cairn-git-remote-'));
  // Advanced serialization: failNext(Infinity) survives the trip (JSON would make it null).
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ ...options, root })], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const log: GitHttpRequest[] = [];
  const waiting = new Map<number, () => void>();
  let exited: Error | null = null;
  let nextId = 0;
  const listening = new Promise<string>((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'listening') resolve(message.url);
      else if (message.type === 'logged') log.push(message.entry);
      else waiting.get(message.id)?.();
    });
    child.once('exit', (code, signal) => {
      exited = new Error(`the git remote's process exited (${code ?? signal})`);
      reject(exited);
    });
  });
  const ask = (command: Command): Promise<void> => {
    if (exited) return Promise.reject(exited);
    const id = ++nextId;
    return new Promise<void>((resolve, reject) => {
      const onExit = (): void => reject(exited ?? new Error("the git remote's process exited"));
      child.once('exit', onExit);
      waiting.set(id, () => {
        waiting.delete(id);
        child.off('exit', onExit);
        resolve();
      });
      child.send({ ...command, id });
    });
  };
  let url: string;
  try {
    url = await listening;
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    root,
    log,
    createRepository: (name, { initialBranch = 'main' } = {}) => createServedRepository(root, url, name, initialBranch),
    failNext: (count, failure = {}) => ask({ op: 'failNext', count, options: failure }),
    pause: () => ask({ op: 'pause' }),
    resume: () => ask({ op: 'resume' }),
    settled: () => ask({ op: 'ping' }),
    async close() {
      if (!exited) {
        await ask({ op: 'close' });
        await stop(child);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.disconnect();
  return gone;
}
