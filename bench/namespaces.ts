import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { graphqlClient } from './graphql-client.js';
import type { Record } from './import-export.js';
import { median } from './measure.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const COMMITS = 100;
const DOCUMENTS = 20;
const READ = `query($ns: String!, $path: String!) { namespace(name: $ns) { ... on Namespace {
  config(path: $path) { ... on ConfigDocument { text } } } } }`;

function documentPath(k: number): string {
  return `service-${k}.json`;
}

/** A namespace of COMMITS commits over DOCUMENTS documents, with fast-import: the first adds them all, each later one changes one. */
function generateNamespace(gitdir: string, n: number): void {
  mkdirSync(gitdir, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir]);
  const chunks: string[] = [];
  const start = 1_700_000_000;
  for (let v = 0; v < COMMITS; v += 1) {
    const when = `${start + v * 60} +0000`;
    const message = `change ${v}\n\nCairn-Action: ${v === 0 ? 'create' : 'update'}\n`;
    chunks.push(`commit refs/heads/main\nmark :${v + 1}\nauthor Bench <bench@example.com> ${when}\ncommitter Cairn <cairn@localhost> ${when}\n`);
    chunks.push(`data ${Buffer.byteLength(message)}\n${message}${v > 0 ? `from :${v}\n` : ''}`);
    for (const k of v === 0 ? Array.from({ length: DOCUMENTS }, (_, i) => i) : [v % DOCUMENTS]) {
      const text = `${JSON.stringify({ namespace: n, service: k, version: v, replicas: (v % 5) + 1 }, null, 2)}\n`;
      chunks.push(`M 100644 inline ${documentPath(k)}\ndata ${Buffer.byteLength(text)}\n${text}`);
    }
    chunks.push('\n');
  }
  const result = spawnSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: chunks.join('') });
  if (result.status !== 0) throw new Error(`fast-import failed: ${result.stderr.toString()}`);
}

function namespaceName(i: number): string {
  return `ns-${String(i).padStart(5, '0')}`;
}

/** The server's resident memory and open file descriptors, read from /proc. */
function processFigures(server: ServerProcess): { rssMb: number; fds: number } {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  return { rssMb, fds: readdirSync(`/proc/${server.child.pid}/fd`).length };
}

/** Reads one document of every namespace, a few at a time (as many clients would). */
async function readEach(server: ServerProcess, count: number): Promise<void> {
  const gql = graphqlClient(server.url);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const res = await gql<{ namespace: { config: { text: string } | null } }>(READ, { ns: namespaceName(i), path: documentPath(i % DOCUMENTS) });
      if (!res.namespace.config?.text.includes(`"namespace": ${i},`)) throw new Error(`namespace ${i}: wrong document`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Many namespaces (issue 17): `count` namespaces of 100 commits each. The first start (indexes built from Git) beside
 * `git log --first-parent --raw` over every repository, the restart (index files present), and the server's RSS and
 * open file descriptors once one document of each namespace was read.
 */
export async function benchNamespaces(count: number, record: Record): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-namespaces-'));
  const dataDir = path.join(dir, 'data');
  try {
    let started = performance.now();
    for (let i = 0; i < count; i += 1) generateNamespace(path.join(dataDir, `${namespaceName(i)}.git`), i);
    console.log(`  generated ${count} namespaces with git fast-import in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    for (let i = 0; i < count; i += 1) {
      execFileSync('git', ['--git-dir', path.join(dataDir, `${namespaceName(i)}.git`), 'log', '--first-parent', '--raw', 'main'], { maxBuffer: 1 << 28 });
    }
    const gitLogMs = performance.now() - started;
    const first = await startServerProcess(dataDir);
    record(
      count,
      `${count} namespaces: first start to ready`,
      'ms',
      first.readyMs,
      gitLogMs,
      'git log --first-parent --raw, each repository',
      `<= ${Math.round(gitLogMs)}`,
    );
    started = performance.now();
    await readEach(first, count);
    const firstReads = performance.now() - started;
    record(
      count,
      `${count} namespaces: first start, ready + a read of each`,
      'ms',
      first.readyMs + firstReads,
      gitLogMs,
      'git log --first-parent --raw, each repository',
      `<= ${Math.round(gitLogMs * 1.5)}`,
    );
    await first.stop();
    const restarts: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const again = await startServerProcess(dataDir);
      restarts.push(again.readyMs);
      await again.stop();
    }
    // On a loaded machine starting node itself takes seconds: the same server on an empty data directory says how many.
    const empty: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const bare = await startServerProcess(path.join(dir, `empty-${i}`));
      empty.push(bare.readyMs);
      await bare.stop();
    }
    record(count, `${count} namespaces: restart to ready`, 'ms', median(restarts), median(empty), 'the same server, empty data directory', '<= 1500');
    const server = await startServerProcess(dataDir);
    try {
      await readEach(server, count);
      const { rssMb, fds } = processFigures(server);
      record(count, `${count} namespaces: RSS after reading one document in each`, 'MB', rssMb, null, null, '<= 200');
      record(count, `${count} namespaces: open fds after reading one document in each`, 'fds', fds, null, null, '<= 300');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
