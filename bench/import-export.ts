import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DIST_BIN } from './dist.js';
import { documentPath, generateRepository, gitdirFor } from './generate.js';
import { timeMedian } from './measure.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const CLI = path.join(DIST_BIN, 'cli.js');
const RUNS = 5;
/** Far beyond any run of these commands: past it a process is taken to have hung. */
const HUNG_MS = 30_000;

/**
 * A short-lived node process, run again once if it hung: Node 20 very rarely hangs at exit, in libuv's thread pool
 * clean-up, after its work is done (seen once in a bench's hundreds of `cairn get`; gdb showed every pool thread
 * waiting for work that never came). The bench must not wait for it forever, nor fail on it.
 */
function runNode(args: readonly string[], stdio: 'pipe' | 'ignore' = 'pipe'): Buffer {
  const run = (): Buffer => execFileSync(process.execPath, [...args], { stdio: ['ignore', stdio, 'inherit'], timeout: HUNG_MS, killSignal: 'SIGKILL' });
  try {
    return run();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw error;
    console.error(`  (node ${args.slice(0, 4).join(' ')}… hung for ${HUNG_MS / 1000} s and was killed; ran it again)`);
    return run();
  }
}

export type Record = (
  size: number,
  operation: string,
  unit: 'ms' | 'commits/s' | 'MB' | 'fds',
  cairn: number,
  reference: number | null,
  referenceCommand: string | null,
  target: string,
) => void;

/**
 * `cairn import --git` and `cairn export` through the built CLI against a server process, beside the git CLI doing
 * the same work natively: replaying a history into a new repository (fast-export | fast-import) and archiving a
 * version (git archive). Both sides include starting their processes.
 */
/** The cost of starting the CLI: its help (no server), and one read end to end, beside node itself and git show. */
async function benchStart(url: string, gitdir: string, size: number, record: Record): Promise<void> {
  const node = (args: readonly string[]): Buffer => runNode(args);
  const runs = RUNS * 4;
  const helpMs = await timeMedian(runs, () => node([CLI, '--help']));
  const nodeMs = await timeMedian(runs, () => node(['-e', '0']));
  record(size, 'cairn --help (the CLI starting)', 'ms', helpMs, nodeMs, 'node -e 0', '<= 150');
  const getMs = await timeMedian(runs, () => node([CLI, '--url', url, 'get', 'imported', documentPath(1)]));
  const showMs = await timeMedian(runs, () => execFileSync('git', ['--git-dir', gitdir, 'show', `main:${documentPath(1)}`]));
  record(size, 'cairn get, one document, end to end', 'ms', getMs, showMs, 'git show main:<path>', '<= 250');
}

/**
 * `cairn import --git` of a `size`-commit history into a new namespace of the server at `url`, beside git replaying
 * the same history into a new repository (fast-export | fast-import). Issue 17's target: at least half git's rate.
 */
function benchHistoryImport(server: ServerProcess, dir: string, source: string, size: number, namespace: string, record: Record): void {
  const cpuBefore = cpuSeconds(server);
  let started = performance.now();
  execFileSync(process.execPath, [CLI, '--url', server.url, 'import', namespace, '--git', source], { stdio: ['ignore', 'ignore', 'inherit'] });
  const importRate = size / ((performance.now() - started) / 1000);
  const serverCpuMs = ((cpuSeconds(server) - cpuBefore) * 1000) / size;
  const replica = path.join(dir, `replica-${namespace}.git`);
  execFileSync('git', ['init', '-q', '--bare', replica]);
  started = performance.now();
  execFileSync('sh', ['-c', `git --git-dir "${source}" fast-export main | git --git-dir "${replica}" fast-import --quiet`]);
  const gitRate = size / ((performance.now() - started) / 1000);
  record(
    size,
    `import --git, ${size.toLocaleString('en')} commits`,
    'commits/s',
    importRate,
    gitRate,
    'git fast-export | git fast-import',
    `>= ${Math.round(gitRate / 2)}`,
  );
  // What one commit costs the server (every thread), whatever else the machine runs: the half-of-git target's budget.
  record(
    size,
    `import --git: server CPU per commit`,
    'ms',
    serverCpuMs,
    1000 / gitRate,
    'git fast-import, wall time per commit',
    `<= ${(2000 / gitRate).toFixed(2)}`,
  );
}

/** The server process's CPU time so far (user and system, every thread), from /proc. */
function cpuSeconds(server: ServerProcess): number {
  const fields = readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `largerImports`: further history sizes imported (each into a namespace of its own) after the main rows. */
export async function benchImportExport(size: number, record: Record, largerImports: readonly number[] = []): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-import-'));
  try {
    const source = path.join(dir, 'source.git');
    generateRepository(source, size);
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    const server = await startServerProcess(dataDir);
    try {
      benchHistoryImport(server, dir, source, size, 'imported', record);
      const exportMs = await timeMedian(
        RUNS,
        (i) => runNode([CLI, '--url', server.url, 'export', 'imported', '--at', 'HEAD', path.join(dir, `export-${i}.tar`)]),
        1,
      );
      const gitdir = gitdirFor(dataDir, 'imported');
      const archiveMs = await timeMedian(
        RUNS,
        (i) => execFileSync('git', ['--git-dir', gitdir, 'archive', '--format=tar', '-o', path.join(dir, `archive-${i}.tar`), 'main']),
        1,
      );
      // Issue 17's target: within 3× git archive, end to end (node's own start, ~40 ms idle, is part of it).
      record(size, 'export a version to a tarball (200 documents)', 'ms', exportMs, archiveMs, 'git archive --format=tar', `<= ${Math.round(archiveMs * 3)}`);
      await benchStart(server.url, gitdir, size, record);
      for (const larger of largerImports) {
        const largerSource = path.join(dir, `source-${larger}.git`);
        generateRepository(largerSource, larger);
        benchHistoryImport(server, dir, largerSource, larger, `imported-${larger}`, record);
      }
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
