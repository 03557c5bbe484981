import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { type KillableServer, startKillableServer } from './killable-server.js';
import { prng } from './seeded-random.js';

/**
 * A history import killed with SIGKILL at a random instant, over and over, with group commit off and on: each batch
 * is one unit on disk (GitRepository.batchCommits), so after every kill the repository is clean for
 * `git fsck --strict`, main is at a batch boundary, every acknowledged batch is there, and running the same import
 * again continues from there. CAIRN_IMPORT_CRASH_CYCLES (default 6) sets the number of kills per mode.
 */
const CYCLES = Number(process.env.CAIRN_IMPORT_CRASH_CYCLES ?? 6);
const BATCH = 40;
const NAMESPACE = 'imported';

const IMPORT = `mutation($input: ImportHistoryInput!) { importHistory(input: $input) { __typename
  ... on ImportHistoryPayload { commits { status version { hash } } } ... on Error { message } } }`;

interface ImportAnswer {
  importHistory: { __typename: string; commits?: { status: string; version: { hash: string } | null }[]; message?: string };
}

/** Source commit `n` of the history being imported: its request id is its identity, as `git-<hash>` is for the CLI. */
function sourceCommit(n: number): Record<string, unknown> {
  return {
    author: { name: 'Old Author', email: 'old@example.com' },
    authoredAt: new Date(Date.UTC(2019, 0, 1) + n * 60_000).toISOString(),
    timezoneOffset: 60,
    message: `source commit ${n}`,
    requestId: `src-${n}`,
    changes: [{ path: `team-${n % 5}/service-${n % 17}.json`, text: `{"n": ${n}}\n` }],
  };
}

describe.each(['0', '8'])('an import killed with SIGKILL at any instant (CAIRN_MAX_COMMIT_BATCH=%s)', (maxCommitBatch) => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'cairn-import-crash-'));
  const dataDir = path.join(workDir, 'repos');
  const gitdir = path.join(dataDir, `${NAMESPACE}.git`);
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });
  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8' }).trim();
  const mainOnDisk = (): string | null => {
    const r = spawnSync('git', ['--git-dir', gitdir, 'rev-parse', '--verify', '--quiet', 'refs/heads/main^{commit}'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };

  const start = (): Promise<KillableServer> => startKillableServer(dataDir, { CAIRN_MAX_COMMIT_BATCH: maxCommitBatch }, children);

  async function gql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return ((await res.json()) as { data: T }).data;
  }

  it(`leaves main at a batch boundary with every acknowledged batch, fsck clean (${CYCLES} kills)`, { timeout: 60_000 + CYCLES * 15_000 }, async () => {
    const random = prng(0x1417 + Number(maxCommitBatch));
    let acknowledged = 0;
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      const server = await start();
      if (cycle === 0) await gql(server.url, CREATE_NAMESPACE, { name: NAMESPACE });
      // The import resumes where main is: the source commits after the ones it holds.
      let head = mainOnDisk();
      let next = head ? Number(git('rev-list', '--count', 'main')) : 0;
      const importing = (async (): Promise<void> => {
        for (;;) {
          const commits = Array.from({ length: BATCH }, (_, i) => sourceCommit(next + i));
          const answer = await gql<ImportAnswer>(server.url, IMPORT, {
            input: { namespace: NAMESPACE, expectedVersion: head, requestId: `batch-${next}`, commits },
          });
          const landed = answer.importHistory.commits;
          if (!landed) throw new Error(`batch refused: ${JSON.stringify(answer.importHistory)}`);
          head = landed.at(-1)?.version?.hash ?? head;
          next += BATCH;
          acknowledged = next;
        }
      })().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100 + random() * 900));
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));
      await importing;

      // A batch killed between its pack and the move of main leaves dangling objects: unreachable, not damage.
      const fsck = spawnSync('git', ['--git-dir', gitdir, 'fsck', '--strict', '--no-progress', '--no-dangling'], { encoding: 'utf8' });
      expect(fsck.status, `cycle ${cycle}: ${fsck.stdout}${fsck.stderr}`).toBe(0);
      expect(fsck.stdout + fsck.stderr).toBe('');
      const count = mainOnDisk() ? Number(git('rev-list', '--count', 'main')) : 0;
      expect(count % BATCH).toBe(0);
      expect(count).toBeGreaterThanOrEqual(acknowledged);
      // History is the source's, in order, with nothing twice.
      const subjects = count ? git('log', '--reverse', '--format=%s', 'main').split('\n') : [];
      expect(subjects).toEqual(Array.from({ length: count }, (_, n) => `source commit ${n}`));
    }
    expect(acknowledged).toBeGreaterThan(0);
  });
});
