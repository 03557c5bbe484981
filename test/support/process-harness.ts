import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GqlResponse, TestToken } from './harness.js';
import { listeningUrl, type ServerProcess, startServerProcess } from './server-process.js';

/** The git CLI needs an identity for the commits tests make outside Cairn, whatever the machine's global config says. */
const GIT_IDENTITY = { GIT_AUTHOR_NAME: 'Git CLI', GIT_AUTHOR_EMAIL: 'cli@example.com', GIT_COMMITTER_NAME: 'Git CLI', GIT_COMMITTER_EMAIL: 'cli@example.com' };

/**
 * A real Cairn server in a process of its own (`src/server/main.ts`, built as `npm start` builds it), over a fresh data
 * directory and a tokens file. Unlike `startHarness`, nothing the test does on its own thread delays the server, so
 * a probe of `/healthz` measures the server alone, and the process's memory is the server's.
 */
export interface ProcessHarness {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly process: ServerProcess;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GqlResponse<T>>;
  /** The git CLI on a namespace's repository; `input` goes to its stdin. */
  git(namespace: string, args: readonly string[], input?: string): string;
  /** The server's resident memory now (VmRSS), in bytes. */
  rssBytes(): number;
  close(): Promise<void>;
}

export async function startProcessHarness(options: { tokens: readonly TestToken[]; env?: Record<string, string> }): Promise<ProcessHarness> {
  const root = mkdtempSync(path.join(tmpdir(), 'cairn-process-'));
  const dataDir = path.join(root, 'repos');
  const tokensFile = path.join(root, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify({ tokens: options.tokens }));
  const started = startServerProcess({ CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', CAIRN_TOKENS_FILE: tokensFile, ...options.env });
  const pid = started.child.pid;
  if (pid === undefined) throw new Error('the server process did not start');
  const url = await listeningUrl(started, 60_000).catch((error: unknown) => {
    started.child.kill('SIGKILL');
    throw error;
  });
  const defaultToken = options.tokens[0]?.token ?? null;
  return {
    url,
    pid,
    dataDir,
    process: started,
    async gql(query, variables = {}, token = defaultToken) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data: never; errors?: never };
      return { status: res.status, data: body.data, errors: body.errors };
    },
    git(namespace, args, input) {
      return execFileSync('git', ['--git-dir', path.join(dataDir, `${namespace}.git`), ...args], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, ...GIT_IDENTITY },
        ...(input === undefined ? {} : { input }),
      });
    },
    rssBytes: () => residentBytes(pid),
    async close() {
      started.child.kill('SIGKILL');
      await started.exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** VmRSS of a live process on Linux, in bytes. */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

/** Samples a process's resident memory every `everyMs` until stopped; `stop()` gives the highest sample, in bytes. */
export function watchPeakRss(pid: number, everyMs = 10): { stop(): number } {
  let peak = residentBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, residentBytes(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, residentBytes(pid));
    },
  };
}
