import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { benchBlame } from './blame.js';
import { graphqlClient } from './graphql-client.js';
import { median, percentile } from './measure.js';
import { startServerProcess } from './server-process.js';

export type RecordFigure = (
  size: number,
  operation: string,
  unit: 'ms',
  cairn: number,
  reference: number | null,
  referenceCommand: string | null,
  target: string,
) => void;

const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } ... on Error { code message } } }`;
const READ = `query($path: String!, $at: String!) { namespace(name: "heavy") { ... on Namespace { config(path: $path, at: $at) { ... on ConfigDocument { content } } } } }`;
const BLAME = `query($path: String!) { namespace(name: "heavy") { ... on Namespace { blame(path: $path) { __typename ... on Blame { entries { pointer } } ... on Error { code } } } } }`;
const DIFF = `query($from: String!, $to: String!) { namespace(name: "heavy") { ... on Namespace { diff(from: $from, to: $to) { ... on Diff { files { path changes { pointer } } } } } } }`;

const LOAD_CLIENTS = 4;
const LOAD_MS = 15_000;
const PROBE_EVERY_MS = 20;
/** `[` × 524,000 then `]` × 524,000: 1,048,000 bytes, just under the default 1 MiB document limit. */
const NESTING_BOMB = `${'['.repeat(524_000)}${']'.repeat(524_000)}`;

/** A YAML document of about `bytes`, shaped like real configuration (services with ports, flags and lists). */
function bigYaml(bytes: number): (variant: number) => string {
  const services: Record<string, { replicas: number }> = {};
  // About 150 bytes of YAML an entry: the size is measured once per 500 entries.
  for (let j = 0; j % 500 !== 0 || stringify({ services }).length < bytes - 200; j += 1) {
    services[`service-${j}`] = {
      image: `registry.example.com/team/service-${j}:1.${j % 17}`,
      port: 8000 + (j % 1000),
      replicas: (j % 5) + 1,
      flags: { canary: j % 3 === 0, tracing: true },
      zones: ['eu-1a', 'eu-1b'],
    } as unknown as { replicas: number };
  }
  return (variant) => {
    services['service-0']!.replicas = variant;
    return stringify({ services });
  };
}

/**
 * Work budgets (issue 12): how long a 1 MiB nesting bomb takes to be refused, a 20,000-leaf blame, and how long /healthz waits while
 * 4 clients run the heaviest requests the limits allow (1 MiB YAML writes, reads of 1 MiB YAML at old versions,
 * a 20,000-leaf blame, a structured diff of two 1 MiB YAML versions).
 */
export async function benchWorkBudgets(record: RecordFigure): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-budgets-'));
  const server = await startServerProcess(dir);
  try {
    const gql = graphqlClient(server.url);
    // The reference: the same probe against the server before any document exists (nothing left to finish).
    const idle = await probe(server.url, 3_000, null);
    await gql(`mutation { createNamespace(input: { name: "heavy" }) { __typename } }`);
    let requests = 0;
    // With a request id, a put whose connection was reset (Cairn before issue 12 did that after large writes) is retried safely.
    const put = async (
      docPath: string,
      text: string,
      expectedVersion: string | null,
    ): Promise<{ __typename: string; version?: { hash: string }; code?: string }> => {
      const input = { namespace: 'heavy', path: docPath, text, expectedVersion, requestId: `bench-${(requests += 1)}` };
      for (let attempt = 1; ; attempt += 1) {
        try {
          return (await gql<{ putConfig: { __typename: string; version?: { hash: string }; code?: string } }>(PUT, { input })).putConfig;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
    };

    const refusals: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      const res = await put('bomb.yaml', NESTING_BOMB, null);
      refusals.push(performance.now() - started);
      if (res.__typename !== 'InvalidDocument') throw new Error(`the nesting bomb was answered ${res.__typename}`);
    }
    const hashObject = timeGit(5, () => execFileSync('git', ['hash-object', '--stdin'], { input: NESTING_BOMB }));
    record(0, 'refuse a 1 MiB YAML nesting bomb', 'ms', median(refusals), hashObject, 'git hash-object of the same bytes', '<= 50');
    const blame = await benchBlame({ url: server.url, dataDir: dir });
    record(
      0,
      `blame of a ${blame.leaves.toLocaleString('en')}-leaf document changed in ${blame.versions} commits`,
      'ms',
      blame.cairnMs,
      blame.gitMs,
      'git blame --porcelain',
      '<= 100',
    );
    // The git CLI runs synchronously: this process read no socket meanwhile, and an idle keep-alive connection the
    // server closed must be noticed before the next request, or it is reused and fails ("other side closed").
    await new Promise((resolve) => setTimeout(resolve, 200));

    const yamlOf = bigYaml(900_000);
    const versions: string[] = [];
    let head: string | null = null;
    for (let v = 0; v < 3; v += 1) {
      const res = await put('big.yaml', yamlOf(v), head);
      if (!res.version) throw new Error(`seeding big.yaml: ${JSON.stringify(res)}`);
      head = res.version.hash;
      versions.push(head);
    }
    const leaves = Array.from({ length: 20_000 }, (_, i) => i);
    for (let v = 0; v < 50; v += 1) {
      leaves[(v * 397) % leaves.length] = -v;
      const res = await put('leaves.json', `${JSON.stringify(leaves, null, 1)}\n`, head);
      if (!res.version) throw new Error(`seeding leaves.json: ${JSON.stringify(res)}`);
      head = res.version.hash;
    }

    let variant = 10;
    const heavy = [
      // A new 1 MiB YAML document each time: a real commit, never a conflict between the clients.
      () => put(`written/${(variant += 1)}.yaml`, yamlOf(variant), null),
      () => gql(READ, { path: 'big.yaml', at: versions[variant % 2]! }),
      () => gql(BLAME, { path: 'leaves.json' }),
      () => gql(DIFF, { from: versions[0]!, to: versions[1]! }),
    ];
    const loaded = await probe(server.url, LOAD_MS, (client, round) => heavy[(client + round) % heavy.length]!());
    console.log(
      `  /healthz under load: p50 ${percentile(loaded, 50).toFixed(1)} ms, p99 ${percentile(loaded, 99).toFixed(1)} ms, max ${Math.max(...loaded).toFixed(1)} ms over ${loaded.length} probes`,
    );
    record(
      0,
      `/healthz p99, ${LOAD_CLIENTS} clients running the heaviest allowed requests`,
      'ms',
      percentile(loaded, 99),
      percentile(idle, 99),
      '/healthz p99 of the idle server',
      '<= 100',
    );
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * /healthz latencies every PROBE_EVERY_MS for `ms`, from a process of its own (the bench's own work, building 1 MiB
 * bodies and parsing answers, must not count as the server's), while LOAD_CLIENTS clients here call `work` back to
 * back (none: the idle reference).
 */
async function probe(url: string, ms: number, work: ((client: number, round: number) => Promise<unknown>) | null): Promise<number[]> {
  const prober = spawn(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT, url, String(ms), String(PROBE_EVERY_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  prober.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => prober.on('exit', resolve));
  const end = Date.now() + ms;
  const clients = work
    ? Array.from({ length: LOAD_CLIENTS }, async (_, client) => {
        for (let round = 0; Date.now() < end; round += 1) await work(client, round).catch(() => undefined);
      })
    : [];
  await Promise.all([...clients, exited]);
  return JSON.parse(output) as number[];
}

/** Probes url/healthz every `every` ms for `ms` ms and prints the latencies as JSON; a failed probe counts its wait. */
const PROBE_SCRIPT = `
const [url, ms, every] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const waits = [];
const end = Date.now() + ms;
while (Date.now() < end) {
  const started = performance.now();
  await fetch(url + '/healthz').then((r) => r.text(), () => undefined);
  waits.push(performance.now() - started);
  await new Promise((r) => setTimeout(r, every));
}
process.stdout.write(JSON.stringify(waits));
`;

function timeGit(runs: number, run: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return median(times);
}
