import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importVersions } from '../test/support/import-versions.js';
import { listeningUrl, startServerProcess } from '../test/support/server-process.js';
import { gitTimer, timeMedian } from './measure.js';

/** A server to measure, and the data directory it serves (the document's history is imported there). */
export interface BlameBenchTarget {
  readonly url: string;
  readonly dataDir: string;
  /** An admin's bearer token; none when the server runs without a tokens file. */
  readonly token?: string | null;
}

export interface BlameBenchResult {
  readonly leaves: number;
  readonly versions: number;
  /** Median milliseconds of one `blame` of the whole document over HTTP, the answer read. */
  readonly cairnMs: number;
  /** Median milliseconds of `git blame --porcelain` on the same file, one value per line. */
  readonly gitMs: number;
}

export const BLAME_LEAVES = 20_000;
export const BLAME_VERSIONS = 50;
const NAMESPACE = 'blame-bench';
const PATH = 'big.json';

/** What the web console asks. */
const BLAME = `query { namespace(name: "${NAMESPACE}") { ... on Namespace {
  blame(path: "${PATH}") { __typename ... on Blame { entries { pointer value action comment time operator { name email } version { hash shortHash } } } ... on Error { message } }
} } }`;

/**
 * A JSON array of 20,000 numbers, created and then changed by 49 versions, each changing a different 49th of the
 * values: every version sets some leaves, and most leaves wait for the first version, so blame reads them all.
 */
export function blameBenchVersions(): string[] {
  let values = Array.from({ length: BLAME_LEAVES }, (_, i) => i);
  const texts = [values];
  for (let k = 1; k < BLAME_VERSIONS; k += 1) {
    values = values.map((n, i) => (i % (BLAME_VERSIONS - 1) === k - 1 ? n + k * 100_000 : n));
    texts.push(values);
  }
  // As Cairn writes JSON: one value per line, which is what makes git blame a fair reference.
  return texts.map((v) => `${JSON.stringify(v, null, 2)}\n`);
}

/**
 * Builds the 20,000-leaf document changed in 50 versions in a new namespace of `target`, then measures blame
 * against `git blame --porcelain` on the same repository. The namespace is created through the API, the history
 * imported with `git fast-import` (50 writes of 200 KB through the API would take longer than the bench), and one
 * write of another document makes the server catch up with it.
 */
export async function benchBlame(target: BlameBenchTarget, runs = 25): Promise<BlameBenchResult> {
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const res = await fetch(`${target.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  await gql(`mutation { createNamespace(input: { name: "${NAMESPACE}" }) { __typename } }`);
  const gitdir = path.join(target.dataDir, `${NAMESPACE}.git`);
  importVersions(gitdir, PATH, blameBenchVersions());
  const put = await gql<{ putConfig: { __typename: string } }>(
    `mutation { putConfig(input: { namespace: "${NAMESPACE}", path: "other.json", content: { x: 1 }, expectedVersion: null }) { __typename } }`,
  );
  if (put.putConfig.__typename !== 'WritePayload') throw new Error(`catch-up write: ${put.putConfig.__typename}`);
  const blame = async (): Promise<void> => {
    const data = await gql<{ namespace: { blame: { __typename: string; entries?: unknown[] } } }>(BLAME);
    if (data.namespace.blame.entries?.length !== BLAME_LEAVES) throw new Error(`blame answered ${JSON.stringify(data.namespace.blame).slice(0, 300)}`);
  };
  const cairnMs = await timeMedian(runs, blame);
  const gitMs = await gitTimer(gitdir)(runs, () => ['blame', '--porcelain', 'main', '--', PATH]);
  return { leaves: BLAME_LEAVES, versions: BLAME_VERSIONS, cairnMs, gitMs };
}

/** `npx tsx bench/blame.ts [runs]`: against the server started from source in its own process, as `npm start` would. */
async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 25);
  const root = mkdtempSync(path.join(tmpdir(), 'cairn-bench-blame-'));
  const dataDir = path.join(root, 'repos');
  mkdirSync(dataDir);
  const server = startServerProcess({ CAIRN_DATA_DIR: dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', LOG_LEVEL: 'info', CAIRN_TOKENS_FILE: '' });
  try {
    const result = await benchBlame({ url: await listeningUrl(server), dataDir }, runs);
    console.log(
      `blame of a ${result.leaves.toLocaleString('en')}-leaf document changed in ${result.versions} versions: ${result.cairnMs.toFixed(2)} ms (git blame --porcelain ${result.gitMs.toFixed(2)} ms; target <= 100 ms)`,
    );
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
