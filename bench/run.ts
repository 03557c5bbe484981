import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DOCUMENTS, documentPath, generateRepository, gitdirFor } from './generate.js';
import { graphqlClient } from './graphql-client.js';
import { type Figure, gitTimer, meets, median, timeMedian } from './measure.js';
import { benchImportExport } from './import-export.js';
import { benchLargeDocuments } from './large-documents.js';
import { benchWorkBudgets } from './work-budgets.js';
import { benchInstances } from './instances.js';
import { benchDelivery } from './delivery.js';
import { benchNamespaces } from './namespaces.js';
import { benchWideNamespace } from './wide-namespace.js';
import { benchSubscribers } from './subscribers.js';
import { benchWriters } from './writers.js';
import { startServerProcess } from './server-process.js';
import { bundle } from '../scripts/bundle.js';
import { BENCH_DIST, DIST_BIN } from './dist.js';
import { GIT_ENV } from './git-env.js';

const quick = process.argv.includes('--quick');

/**
 * The parts of a run, each one flag: `npm run bench -- --documents --writers` runs those two alone (into
 * `results-<part>.json` when one runs alone); no flag runs them all. `--scale` runs issue 17's axes together.
 */
const PARTS = ['versions', 'import', 'documents', 'instances', 'delivery', 'budgets', 'namespaces', 'wide', 'subscribers', 'writers'] as const;
type Part = (typeof PARTS)[number];
const SCALE: readonly Part[] = ['import', 'documents', 'namespaces', 'wide', 'subscribers', 'writers'];
const chosen = new Set<Part>(PARTS.filter((part) => process.argv.includes(`--${part}`)));
if (process.argv.includes('--scale')) for (const part of SCALE) chosen.add(part);
const runs = (part: Part): boolean => chosen.size === 0 || chosen.has(part);
const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
const RUNS = 25;
const figures: Figure[] = [];

function record(
  size: number,
  operation: string,
  unit: Figure['unit'],
  cairn: number,
  reference: number | null,
  referenceCommand: string | null,
  target: string,
): void {
  const figure = { size, operation, unit, cairn, reference, referenceCommand, target, met: meets(cairn, target) };
  figures.push(figure);
  const ratio = reference ? ` (${(cairn / reference).toFixed(2)}× git)` : '';
  console.log(
    `  ${operation.padEnd(44)} ${cairn.toFixed(2).padStart(9)} ${unit}${reference !== null ? `  git ${reference.toFixed(2)} ${unit}${ratio}` : ''}  target ${target} ${figure.met ? 'ok' : 'MISSED'}`,
  );
}

const VERSIONS = `query($after: String, $path: String) { namespace(name: "bench") { ... on Namespace {
  versions(first: 50, after: $after, path: $path) { edges { node { hash comment timestamp operator { name email } action } } } } } }`;
const AUDIT = `query($op: String!) { namespace(name: "bench") { ... on Namespace {
  audit(first: 50, filter: { operator: $op }) { edges { node { version { hash } time comment operatorIp paths } } } } } }`;
const READ = `query($path: String!, $at: String!) { namespace(name: "bench") { ... on Namespace {
  config(path: $path, at: $at) { ... on ConfigDocument { text } } } } }`;
const DIFF = `query($from: String!, $to: String!) { namespace(name: "bench") { ... on Namespace {
  diff(from: $from, to: $to) { ... on Diff { files { path status changes { pointer op oldValue newValue } } } } } } }`;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } } }`;

function cursorAt(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

async function benchSize(size: number): Promise<void> {
  console.log(`\n${size.toLocaleString('en')} versions over ${DOCUMENTS} documents`);
  const dir = mkdtempSync(path.join(tmpdir(), `cairn-bench-${size}-`));
  const gitdir = gitdirFor(dir, 'bench');
  try {
    const t = performance.now();
    generateRepository(gitdir, size);
    console.log(`  generated with git fast-import in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const first = await startServerProcess(dir);
    console.log(`  first start (commit index built from Git): ${(first.readyMs / 1000).toFixed(1)} s`);
    await first.stop();
    const restarts: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const again = await startServerProcess(dir);
      restarts.push(again.readyMs);
      await again.stop();
    }
    const server = await startServerProcess(dir);
    restarts.push(server.readyMs);
    try {
      record(size, 'restart to ready', 'ms', median(restarts), null, null, '<= 3000');
      const gql = graphqlClient(server.url);
      const git = gitTimer(gitdir, GIT_ENV);
      const hashes = execFileSync('git', ['--git-dir', gitdir, 'rev-list', '--first-parent', 'HEAD'], { encoding: 'utf8', maxBuffer: 1 << 28 })
        .trim()
        .split('\n');
      const head = hashes[0]!;

      record(
        size,
        'latest 50 versions',
        'ms',
        await timeMedian(RUNS, () => gql(VERSIONS)),
        await git(RUNS, () => ['log', '-50', '--format=%H %an %ae %at %s']),
        'git log -50',
        '<= 5',
      );
      const deep = Math.min(1000, size - 50);
      record(
        size,
        `versions page ${deep} deep`,
        'ms',
        await timeMedian(RUNS, () => gql(VERSIONS, { after: cursorAt(size - 1 - deep + 1) })),
        await git(RUNS, () => ['log', `--skip=${deep}`, '-50', '--format=%H %an %ae %at %s']),
        `git log --skip=${deep} -50`,
        '<= 5',
      );
      const doc = documentPath(7);
      record(
        size,
        "one document's last 50 versions",
        'ms',
        await timeMedian(RUNS, () => gql(VERSIONS, { path: doc })),
        await git(RUNS, () => ['log', '-50', '--format=%H %an %ae %at %s', '--', doc]),
        'git log -50 -- path',
        '<= 10',
      );
      record(
        size,
        'audit by operator, first 50',
        'ms',
        await timeMedian(RUNS, () => gql(AUDIT, { op: 'carol@example.com' })),
        await git(RUNS, () => ['log', '--author=carol@example.com', '-50', '--format=%H %an %at %s']),
        'git log --author=X -50',
        '<= 10',
      );
      const back = Math.floor(size / 2);
      const oldVersions = Array.from({ length: RUNS + 3 }, (_, i) => hashes[back + i]!);
      record(
        size,
        `read a document ${back.toLocaleString('en')} versions back`,
        'ms',
        await timeMedian(RUNS, (i) => gql(READ, { path: documentPath(i % DOCUMENTS), at: oldVersions[i % oldVersions.length] })),
        await git(RUNS, (i) => ['show', `${oldVersions[i % oldVersions.length]}:${documentPath(i % DOCUMENTS)}`]),
        'git show rev:path',
        '<= 2',
      );
      const span = Math.min(1000, size - RUNS - 10);
      const pairs = Array.from({ length: RUNS + 3 }, (_, i) => [hashes[span + i + 1]!, hashes[i + 1]!] as const);
      record(
        size,
        `diff two versions ${span} apart, structured`,
        'ms',
        await timeMedian(RUNS, (i) => gql(DIFF, { from: pairs[i % pairs.length]![0], to: pairs[i % pairs.length]![1] })),
        await git(RUNS, (i) => ['diff', '--stat', pairs[i % pairs.length]![0], pairs[i % pairs.length]![1]]),
        'git diff --stat a b',
        '<= 10',
      );
      record(size, 'RSS while serving', 'MB', server.rssMb(), null, null, '<= 200');

      await benchWrites(size, gql, gitdir, dir, head);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Gql = ReturnType<typeof graphqlClient>;

async function benchWrites(size: number, gql: Gql, gitdir: string, dir: string, head: string): Promise<void> {
  let version = head;
  let n = 0;
  const putOne = async (): Promise<void> => {
    n += 1;
    const res = await gql<{ putConfig: { __typename: string; version: { hash: string } } }>(PUT, {
      input: { namespace: 'bench', path: documentPath(3), content: { bench: n, padding: 'x'.repeat(200) }, expectedVersion: version },
    });
    if (res.putConfig.__typename !== 'WritePayload') throw new Error(`put failed: ${res.putConfig.__typename}`);
    version = res.putConfig.version.hash;
  };
  // Cairn's writes are measured before the git CLI's: git's commits leave dirty pages that make the next fsyncs
  // of any process on the same file system wait for them (ext4 flushes the journal as a whole).
  const putMs = await timeMedian(60, putOne);
  const clients = 8;
  const perClient = 40;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      let mine: string | null = version;
      for (let i = 0; i < perClient; i += 1) {
        const res: { putConfig: { __typename: string; version: { hash: string } } } = await gql(PUT, {
          input: { namespace: 'bench', path: documentPath(100 + c), content: { client: c, i }, expectedVersion: mine },
        });
        if (res.putConfig.__typename !== 'WritePayload') throw new Error(`guarded put failed: ${res.putConfig.__typename}`);
        mine = res.putConfig.version.hash;
      }
    }),
  );
  const rate = (clients * perClient) / ((performance.now() - start) / 1000);
  const work = path.join(dir, 'worktree');
  execFileSync('git', ['clone', '-q', gitdir, work], { env: GIT_ENV });
  const gitCommit = await timeMedian(RUNS, (i) => {
    writeFileSync(path.join(work, documentPath(3)), JSON.stringify({ bench: i, padding: 'x'.repeat(200) }));
    execFileSync('git', ['-C', work, 'commit', '-q', '-a', '-m', `bench ${i}`], { env: GIT_ENV });
  });
  record(size, 'putConfig, one document (p50)', 'ms', putMs, gitCommit, 'git commit of one changed file', '<= 5');
  record(size, `guarded commits/s, ${clients} clients, one namespace`, 'commits/s', rate, 1000 / gitCommit, 'git commit, sequential', '>= 200');
}

const benchStarted = performance.now();
console.log(`Cairn benchmark${quick ? ' (quick)' : ''}: medians over ${RUNS} runs; the git CLI figures include starting a git process.`);
if (BENCH_DIST === null) await bundle(DIST_BIN);
else console.log(`measuring the build in ${BENCH_DIST}`);
if (runs('versions')) for (const size of sizes) await benchSize(size);
if (runs('import')) {
  console.log('\nimport and export (the cairn CLI against a server process)');
  await benchImportExport(1_000, record, quick ? [] : [5_000]);
}
if (runs('documents')) {
  console.log('\ndocuments at the size limit and beyond (a server process; putConfig and parsed reads beside git)');
  await benchLargeDocuments(quick ? [64 * 1024] : [1 << 20, 5 << 20], record);
}
if (runs('writers')) {
  console.log('\nconcurrent writers (a server process; guarded puts of distinct documents of one namespace)');
  await benchWriters(quick, record);
}
if (runs('namespaces')) {
  console.log(`\nmany namespaces (a server process; ${quick ? 100 : 1000} namespaces of 100 commits)`);
  await benchNamespaces(quick ? 100 : 1000, record);
}
if (runs('wide')) {
  console.log('\na wide namespace (a server process; 20,000 documents, 1,100 versions)');
  await benchWideNamespace(20_000, record);
}
if (runs('subscribers')) {
  console.log('\nsubscribers (a server process; graphql-ws clients of one namespace, one commit at a time)');
  await benchSubscribers(quick ? 100 : 1_000, record);
}
if (runs('instances')) {
  console.log('\na fleet of instances (a server process; 10,000 instances reporting every 10 s during a rollout)');
  await benchInstances(record);
}
if (runs('delivery')) {
  console.log('\ndelivery (a server process; 1,000 agents following an environment, 5,000 long-polls)');
  await benchDelivery(record);
}
if (runs('budgets')) {
  console.log('\nwork budgets (a server process, heavy requests, /healthz probed every 20 ms)');
  await benchWorkBudgets(record);
}
const seconds = Math.round((performance.now() - benchStarted) / 1000);
console.log(`\nwhole run: ${seconds} s`);
const out = { date: new Date().toISOString(), quick, seconds, node: process.version, cpus: (await import('node:os')).cpus().length, figures };
const alone = chosen.size === 1 ? [...chosen][0] : undefined;
const scaleRun = process.argv.includes('--scale') && chosen.size === SCALE.length;
const resultsFile = alone
  ? `results-${alone}.json`
  : scaleRun
    ? 'results-scale.json'
    : chosen.size > 1
      ? `results-${[...chosen].join('-')}.json`
      : quick
        ? 'results-quick.json'
        : 'results.json';
writeFileSync(path.resolve(import.meta.dirname, resultsFile), `${JSON.stringify(out, null, 2)}\n`);
console.log(`\n| versions | operation | Cairn | git CLI | ratio | target | |\n|---:|---|---:|---:|---:|---|---|`);
for (const f of figures) {
  console.log(
    `| ${f.size ? f.size.toLocaleString('en') : '—'} | ${f.operation} | ${f.cairn.toFixed(2)} ${f.unit} | ${f.reference === null ? '—' : `${f.reference.toFixed(2)} ${f.unit}`} | ${f.reference ? `${(f.cairn / f.reference).toFixed(2)}×` : '—'} | ${f.target} ${f.unit} | ${f.met ? 'met' : '**missed**'} |`,
  );
}
