import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { graphqlClient } from './graphql-client.js';
import type { Record } from './import-export.js';
import { timeMedian } from './measure.js';
import { cpuSeconds, eventLoopDelay } from './server-probes.js';
import { GIT_ENV } from './git-env.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const RUNS = 5;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { __typename ... on WritePayload { version { hash } } ... on Error { message } } }`;
const CONTENT = `query($path: String!) { namespace(name: "docs") { ... on Namespace { config(path: $path) { ... on ConfigDocument { content } } } } }`;

/** A document of about `bytes` in either format, whose values all depend on `round` (every put changes them). */
function documentText(format: 'json' | 'yaml', bytes: number, round: number): string {
  const entries: string[] = [];
  let size = 0;
  // Just under `bytes` (the size limit itself is refused).
  for (let i = 0; size < bytes - 4096; i += 1) {
    const entry =
      format === 'yaml'
        ? `key-${i}:\n  name: service number ${i}\n  replicas: ${(i + round) % 7}\n  tags: [a, b, c]\n`
        : `"key-${i}": { "name": "service number ${i}", "replicas": ${(i + round) % 7}, "tags": ["a", "b", "c"] }`;
    entries.push(entry);
    size += entry.length + 2;
  }
  return format === 'yaml' ? entries.join('') : `{\n${entries.join(',\n')}\n}\n`;
}

/**
 * Documents at the size limit and beyond (issue 17): putConfig of JSON and YAML documents of each size, the server's
 * CPU per put (every thread: the parse workers too) and its event-loop delay meanwhile, and reading the parsed
 * content, through a server process, beside git committing the same file and `git cat-file` reading its blob.
 */
export async function benchLargeDocuments(sizes: readonly number[], record: Record): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-docs-'));
  const largest = Math.max(...sizes);
  const server = await startServerProcess(path.join(dir, 'data'), {
    CAIRN_MAX_DOCUMENT_BYTES: String(largest),
    CAIRN_MAX_BODY_BYTES: String(4 * largest),
  });
  try {
    const gql = graphqlClient(server.url);
    await gql(`mutation { createNamespace(input: { name: "docs" }) { __typename } }`);
    const work = path.join(dir, 'worktree');
    execFileSync('git', ['init', '-q', work], { env: GIT_ENV });
    for (const bytes of sizes) await benchSize({ bytes, gql, work, server, record });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SizeRun {
  readonly bytes: number;
  readonly gql: ReturnType<typeof graphqlClient>;
  readonly work: string;
  readonly server: ServerProcess;
  readonly record: Record;
}

async function benchSize({ bytes, gql, work, server, record }: SizeRun): Promise<void> {
  const label = bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${Math.round(bytes / 1024)} KiB`;
  const json = { put: 0, cpu: 0 };
  for (const format of ['json', 'yaml'] as const) {
    const file = `big-${bytes}.${format}`;
    let version: string | null = null;
    // Each put and commit changes values (rounds 7 apart are the same document: at most 6 in a row).
    let round = 0;
    const put = async (): Promise<void> => {
      round += 1;
      const res = await gql<{ putConfig: { version?: { hash: string }; message?: string } }>(PUT, {
        input: { namespace: 'docs', path: file, text: documentText(format, bytes, round), expectedVersion: version },
      });
      if (!res.putConfig.version) throw new Error(`put failed: ${res.putConfig.message}`);
      version = res.putConfig.version.hash;
    };
    await put();
    await eventLoopDelay(server.url);
    const cpuBefore = cpuSeconds(server.child.pid ?? 0);
    const putMs = await timeMedian(RUNS, put, 0);
    // Whatever the server does after answering (the change event, the index file) is part of the put's cost.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cpuMs = ((cpuSeconds(server.child.pid ?? 0) - cpuBefore) * 1000) / RUNS;
    const putDelay = await eventLoopDelay(server.url);
    const gitPutMs = await timeMedian(
      RUNS,
      () => {
        round += 1;
        writeFileSync(path.join(work, file), documentText(format, bytes, round));
        execFileSync('git', ['-C', work, 'add', file], { env: GIT_ENV });
        execFileSync('git', ['-C', work, 'commit', '-q', '-m', `bench ${round}`], { env: GIT_ENV });
      },
      1,
    );
    if (format === 'json') Object.assign(json, { put: putMs, cpu: cpuMs });
    const name = `${label} ${format.toUpperCase()}`;
    record(
      bytes,
      `putConfig, ${name} (p50)`,
      'ms',
      putMs,
      gitPutMs,
      'git add + commit of the file',
      format === 'yaml' ? `<= ${Math.round(2 * json.put)}` : '<= 200',
    );
    record(bytes, `server CPU per put, ${name}`, 'ms', cpuMs, null, null, format === 'yaml' ? `<= ${Math.round(3 * json.cpu)}` : '<= 1000');
    const readMs = await timeMedian(RUNS, () => gql(CONTENT, { path: file }), 1);
    const readDelay = await eventLoopDelay(server.url);
    const blob = execFileSync('git', ['-C', work, 'rev-parse', `HEAD:${file}`], { encoding: 'utf8' }).trim();
    const catMs = await timeMedian(RUNS, () => execFileSync('git', ['-C', work, 'cat-file', '-p', blob], { maxBuffer: 1 << 26 }), 1);
    record(bytes, `read parsed content, ${name} (p50)`, 'ms', readMs, catMs, 'git cat-file -p <blob>', `<= ${Math.round(2 * catMs)}`);
    const worst = Math.max(putDelay.p99, readDelay.p99);
    record(bytes, `event-loop delay p99 during the puts and reads, ${name}`, 'ms', worst, null, null, '<= 100');
  }
}
