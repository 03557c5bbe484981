import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { graphqlClient } from './graphql-client.js';
import type { Record } from './import-export.js';
import { timeMedian } from './measure.js';
import { startServerProcess } from './server-process.js';

const RUNS = 5;
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
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
 * Documents at the size limit (issue 17): putConfig of a 1 MiB JSON and YAML document, and reading its parsed content,
 * through a server process, beside git committing the same file and `git cat-file` reading its blob.
 */
export async function benchLargeDocuments(bytes: number, record: Record): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cairn-bench-docs-'));
  const server = await startServerProcess(path.join(dir, 'data'));
  try {
    const gql = graphqlClient(server.url);
    await gql(`mutation { createNamespace(input: { name: "docs" }) { __typename } }`);
    const work = path.join(dir, 'worktree');
    execFileSync('git', ['init', '-q', work], { env: GIT_ENV });
    const label = bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${Math.round(bytes / 1024)} KiB`;
    const puts = new Map<string, number>();
    for (const format of ['json', 'yaml'] as const) {
      const file = `big.${format}`;
      let version: string | null = null;
      // Each put and commit changes values (rounds 7 apart are the same document: at most 6 in a row).
      let round = 0;
      const putMs = await timeMedian(
        RUNS,
        async () => {
          round += 1;
          const res = await gql<{ putConfig: { version?: { hash: string }; message?: string } }>(PUT, {
            input: { namespace: 'docs', path: file, text: documentText(format, bytes, round), expectedVersion: version },
          });
          if (!res.putConfig.version) throw new Error(`put failed: ${res.putConfig.message}`);
          version = res.putConfig.version.hash;
        },
        1,
      );
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
      puts.set(format, putMs);
      const json = puts.get('json') ?? putMs;
      record(
        bytes,
        `putConfig, ${label} ${format.toUpperCase()} (p50)`,
        'ms',
        putMs,
        gitPutMs,
        'git add + commit of the file',
        format === 'yaml' ? `<= ${Math.round(2 * json)}` : '<= 200',
      );
      const readMs = await timeMedian(RUNS, () => gql(CONTENT, { path: file }), 1);
      const blob = execFileSync('git', ['-C', work, 'rev-parse', `HEAD:${file}`], { encoding: 'utf8' }).trim();
      const catMs = await timeMedian(RUNS, () => execFileSync('git', ['-C', work, 'cat-file', '-p', blob], { maxBuffer: 1 << 26 }), 1);
      record(
        bytes,
        `read parsed content, ${label} ${format.toUpperCase()} (p50)`,
        'ms',
        readMs,
        catMs,
        'git cat-file -p <blob>',
        `<= ${Math.round(2 * catMs)}`,
      );
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
