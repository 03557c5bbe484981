import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gitdirFor } from './generate.js';
import { graphqlClient } from './graphql-client.js';
import type { Record } from './import-export.js';
import { gitTimer, timeMedian } from './measure.js';
import { NPM_START_FLAGS, startServerProcess } from './server-process.js';

const RUNS = 9;
/** Commits after the first (which adds every document): enough for two versions 1,000 apart, several times over. */
const LATER_COMMITS = 1_100;
const SPAN = 1_000;

const LIST = `query { namespace(name: "wide") { ... on Namespace { configs { ... on ConfigsSuccess { data { path } } } } } }`;
const DIFF = `query($from: String!, $to: String!) { namespace(name: "wide") { ... on Namespace {
  diff(from: $from, to: $to) { ... on Diff { files { path status changes { pointer op oldValue newValue } } } } } } }`;

/** 100 directories of documents, as a wide namespace is usually laid out (one per team or service group). */
function widePath(k: number): string {
  return `group-${String(k % 100).padStart(2, '0')}/service-${k}.json`;
}

function wideText(k: number, version: number): string {
  return `${JSON.stringify({ service: `service-${k}`, replicas: (version % 7) + 1, image: `registry.example.com/s${k}:${version}`, flags: { a: version % 2 === 0 } }, null, 2)}\n`;
}

/** `documents` documents in the first commit, then LATER_COMMITS commits changing one document each, by fast-import. */
export function generateWide(gitdir: string, documents: number): void {
  mkdirSync(gitdir, { recursive: true });
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', gitdir], { stdio: 'inherit' });
  const chunks: string[] = [];
  for (let v = 0; v <= LATER_COMMITS; v += 1) {
    const when = `${1_700_000_000 + v * 60} +0000`;
    const message = `change ${v}\n\nCairn-Action: ${v === 0 ? 'create' : 'update'}\n`;
    chunks.push(`commit refs/heads/main\nmark :${v + 1}\nauthor Bench <bench@example.com> ${when}\ncommitter Cairn <cairn@localhost> ${when}\n`);
    chunks.push(`data ${Buffer.byteLength(message)}\n${message}${v > 0 ? `from :${v}\n` : ''}`);
    // Later commits spread over the whole tree (a prime stride), so versions 1,000 apart differ in 1,000 documents.
    const changed = v === 0 ? Array.from({ length: documents }, (_, k) => k) : [(v * 7_919) % documents];
    for (const k of changed) {
      const text = wideText(k, v);
      chunks.push(`M 100644 inline ${widePath(k)}\ndata ${Buffer.byteLength(text)}\n${text}`);
    }
    chunks.push('\n');
  }
  const result = spawnSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: chunks.join(''), maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`fast-import failed: ${result.stderr.toString()}`);
}

/**
 * A wide namespace (issue 17): listing every document of a 20,000-document tree beside `git ls-tree -r`, and the
 * structured diff of two versions 1,000 apart (1,000 documents changed) beside `git diff`, through a server process.
 */
export async function benchWideNamespace(documents: number, record: Record): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-wide-'));
  const gitdir = gitdirFor(dir, 'wide');
  try {
    generateWide(gitdir, documents);
    const server = await startServerProcess(
      dir,
      {},
      process.env.BENCH_PROFILE ? [...NPM_START_FLAGS, '--cpu-prof', '--cpu-prof-dir=/tmp/prof-wide'] : undefined,
    );
    try {
      const gql = graphqlClient(server.url);
      const git = gitTimer(gitdir);
      const listed = await gql<{ namespace: { configs: { data: unknown[] } } }>(LIST);
      if (listed.namespace.configs.data.length !== documents) throw new Error(`listed ${listed.namespace.configs.data.length} documents`);
      const label = documents.toLocaleString('en');
      const listMs = await timeMedian(RUNS, () => gql(LIST));
      const lsTreeMs = await git(RUNS, () => ['ls-tree', '-r', '--name-only', 'main']);
      record(documents, `list all ${label} documents`, 'ms', listMs, lsTreeMs, 'git ls-tree -r --name-only main', `<= ${lsTreeMs.toFixed(1)}`);
      const hashes = execFileSync('git', ['--git-dir', gitdir, 'rev-list', '--first-parent', 'main'], { encoding: 'utf8' }).trim().split('\n');
      const pairs = Array.from({ length: RUNS + 3 }, (_, i) => [hashes[SPAN + i]!, hashes[i]!] as const);
      const diffMs = await timeMedian(RUNS, (i) => gql(DIFF, { from: pairs[i]![0], to: pairs[i]![1] }));
      const gitDiffMs = await git(RUNS, (i) => ['diff', pairs[i]![0], pairs[i]![1]]);
      record(documents, `diff two versions ${SPAN} apart, structured`, 'ms', diffMs, gitDiffMs, 'git diff a b', `<= ${(gitDiffMs / 2).toFixed(1)}`);
      record(documents, `RSS after listing and diffs`, 'MB', server.rssMb(), null, null, '<= 1024');
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
