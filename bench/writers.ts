import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { graphqlClient } from './graphql-client.js';
import type { Record } from './import-export.js';
import { median, percentile } from './measure.js';
import { startServerProcess } from './server-process.js';

const NAMESPACE = 'writers';
const CLIENTS = [1, 4, 16, 64];
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } } }`;

interface PutAnswer {
  readonly putConfig: { readonly __typename: string; readonly version?: { readonly hash: string } };
}

interface LevelResult {
  readonly commitsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly refused: number;
  /** The server's event-loop delay p99 over the level (prom-client's, reset at each scrape), ms. */
  readonly loopDelayP99: number | null;
}

/**
 * Concurrent writers on one namespace (issue 17, group commit): `clients` closed-loop clients, each putting its own
 * document with the version its previous put answered as the expected version (a guarded write, never a conflict),
 * through a server process. Beside it, one writer of git plumbing (hash-object, mktree, commit-tree, update-ref).
 */
export async function benchWriters(quick: boolean, record: Record): Promise<void> {
  const seconds = quick ? 2 : 5;
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-writers-'));
  try {
    const server = await startServerProcess(path.join(dir, 'data'));
    const results = new Map<number, LevelResult>();
    try {
      const gql = graphqlClient(server.url);
      await gql(`mutation { createNamespace(input: { name: "${NAMESPACE}" }) { __typename } }`);
      for (const clients of CLIENTS) {
        const result = await level(server.url, clients, seconds);
        results.set(clients, result);
        const loop = result.loopDelayP99 === null ? '' : `, event-loop delay p99 ${result.loopDelayP99.toFixed(0)} ms`;
        console.log(
          `  ${String(clients).padStart(2)} clients: ${result.commitsPerSecond.toFixed(0)} commits/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms${loop}${result.refused ? `, ${result.refused} refused` : ''}`,
        );
      }
    } finally {
      await server.stop();
    }
    const plumbing = plumbingWriter(path.join(dir, 'plumbing.git'), quick ? 15 : 40);
    const single = results.get(1);
    if (!single) return;
    for (const [clients, result] of results) {
      const target = clients === 16 ? `>= ${(4 * single.commitsPerSecond).toFixed(0)}` : '>= 0';
      record(0, `guarded putConfig, ${clients} clients on one namespace`, 'commits/s', result.commitsPerSecond, plumbing, 'one git plumbing writer', target);
    }
    for (const [clients, result] of results) {
      const target = clients === 64 ? `<= ${(5 * single.p50).toFixed(0)}` : '<= 100000';
      record(0, `guarded putConfig, ${clients} clients: p99 latency`, 'ms', result.p99, null, null, target);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function level(url: string, clients: number, seconds: number): Promise<LevelResult> {
  const gql = graphqlClient(url);
  const latencies: number[] = [];
  let refused = 0;
  await loopDelayP99(url);
  const warmupEnds = performance.now() + 500;
  const ends = warmupEnds + seconds * 1000;
  const client = async (id: number): Promise<void> => {
    let version: string | null = null;
    for (let i = 0; performance.now() < ends; i += 1) {
      const started = performance.now();
      const data: PutAnswer = await gql<PutAnswer>(PUT, {
        input: { namespace: NAMESPACE, path: `clients-${clients}/client-${id}.json`, content: { client: id, write: i }, expectedVersion: version },
      });
      const finished = performance.now();
      if (data.putConfig.version) version = data.putConfig.version.hash;
      else refused += 1;
      // Writes answered within the window count, whenever they were sent: at 64 clients one may take longer than a quick window.
      if (finished >= warmupEnds && finished <= ends) latencies.push(finished - started);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
  return {
    commitsPerSecond: latencies.length / seconds,
    p50: median(latencies),
    p99: percentile(latencies, 99),
    refused,
    loopDelayP99: await loopDelayP99(url),
  };
}

/** prom-client's event-loop delay p99 since the last scrape (it resets the histogram when scraped), in ms. */
async function loopDelayP99(url: string): Promise<number | null> {
  const text = await fetch(`${url}/metrics`).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  const value = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1];
  return value === undefined ? null : Number(value) * 1000;
}

/** Commits/s of one writer of git plumbing, each commit a new version of one document in a tree of 50. */
function plumbingWriter(gitdir: string, commits: number): number {
  execFileSync('git', ['init', '-q', '--bare', gitdir]);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'b@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'b@example.com',
  };
  const git = (args: string[], input?: string): string => execFileSync('git', ['--git-dir', gitdir, ...args], { env, input, encoding: 'utf8' }).trim();
  const entries = new Map<string, string>();
  for (let i = 0; i < 50; i += 1) entries.set(`client-${i}.json`, git(['hash-object', '-w', '--stdin'], `{"client":${i}}\n`));
  let head: string | null = null;
  const started = performance.now();
  for (let i = 0; i < commits; i += 1) {
    entries.set(`client-${i % 50}.json`, git(['hash-object', '-w', '--stdin'], `{"client":${i % 50},"write":${i}}\n`));
    const tree = git(['mktree'], [...entries].map(([name, oid]) => `100644 blob ${oid}\t${name}\n`).join(''));
    const commit: string = git(['commit-tree', tree, ...(head ? ['-p', head] : []), '-m', `write ${i}`]);
    git(['update-ref', 'refs/heads/main', commit, ...(head ? [head] : [])]);
    head = commit;
  }
  return commits / ((performance.now() - started) / 1000);
}
