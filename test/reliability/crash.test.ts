import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_NAMESPACE, HEAD, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { catFileBatch } from './git-batch.js';
import { startKillableServer } from './killable-server.js';
import { prng } from './seeded-random.js';

/**
 * Crash consistency of the built server (the bundle `npm start` runs; see build-sources.ts): clients write their
 * own documents with `expectedVersion` while the server is killed with SIGKILL at a random instant, over and over:
 * 4 clients with each commit written on its own, then 16 clients with group commit (batches of up to 32).
 * After every kill the repository must be clean for `git fsck --strict`, every acknowledged write must be in main's
 * history with exactly the bytes written, main never moves backwards, and the next start must serve again with no
 * stale ref lock. CAIRN_CRASH_CYCLES (default 30 per mode; CI's time budget) sets the number of kills, CAIRN_CRASH_SEED the PRNG seed.
 */
const CYCLES = positiveInt('CAIRN_CRASH_CYCLES', 30);
const SEED = positiveInt('CAIRN_CRASH_SEED', 0xc0ffee);
/** Each commit on its own (CAIRN_MAX_COMMIT_BATCH=0), and group commit with enough writers to fill batches. */
const MODES = [
  { name: 'one commit at a time', maxCommitBatch: '0', clients: 4, maxDelayMs: 300 },
  { name: 'group commit', maxCommitBatch: '32', clients: 16, maxDelayMs: 1500 },
];
const NAMESPACE = 'crash';
const MAIN = 'refs/heads/main';
const MIN_DELAY_MS = 20;
const REQUEST_TIMEOUT_MS = 10_000;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  killedByUs: boolean;
}

/** An acknowledged (COMMITTED) write: the version the server answered and the exact text written at `path`. */
interface Ack {
  readonly cycle: number;
  readonly client: number;
  readonly hash: string;
  readonly path: string;
  readonly text: string;
}

/** What each client knows of its documents across restarts. */
interface ClientState {
  readonly id: number;
  /** The version this client builds on: its last acknowledged write, or the head it re-read after a conflict. */
  base: string | null;
  attempts: number;
  writes: number;
  /** Its own PRNG (document sizes), so the kill delays drawn by the main loop do not depend on request timing. */
  readonly random: () => number;
}

interface DocState {
  /** The text of the last acknowledged write of this document. */
  lastAck: string | null;
  /** Texts sent since the last acknowledgement whose answer was lost to a kill: each may or may not be committed. */
  unknown: string[];
}

interface Gql<T> {
  data?: T;
  errors?: { message: string }[];
}

describe.each(MODES)('kill -9 at any instant (built server process, real git, $name)', ({ maxCommitBatch, clients: CLIENTS, maxDelayMs: MAX_DELAY_MS }) => {
  let workDir = '';
  let dataDir = '';
  let gitdir = '';
  const children: ChildProcess[] = [];
  let keepWorkDir = false;

  beforeAll(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'cairn-crash-'));
    dataDir = path.join(workDir, 'repos');
    gitdir = path.join(dataDir, `${NAMESPACE}.git`);
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await Promise.all(
      children.map((child) =>
        child.exitCode !== null || child.signalCode !== null ? undefined : new Promise<void>((resolve) => child.once('exit', () => resolve())),
      ),
    );
    if (workDir && !keepWorkDir) rmSync(workDir, { recursive: true, force: true });
    else if (workDir) console.log(`[crash] data kept for inspection: ${dataDir}`);
  });

  const git = (...args: string[]): string => execFileSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  const gitStatus = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync('git', ['--git-dir', gitdir, ...args], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  const readMain = (): string | null => {
    const r = gitStatus('rev-parse', '--verify', '--quiet', `${MAIN}^{commit}`);
    return r.status === 0 ? r.stdout.trim() : null;
  };

  const isAncestor = (ancestor: string, descendant: string): boolean => gitStatus('merge-base', '--is-ancestor', ancestor, descendant).status === 0;

  const catFiles = (specs: readonly string[]): (Buffer | null)[] => catFileBatch(path.dirname(gitdir), path.basename(gitdir, '.git'), specs);

  const leftovers = (): string[] => {
    const found: string[] = [];
    const heads = path.join(gitdir, 'refs', 'heads');
    if (existsSync(heads)) for (const f of readdirSync(heads)) if (f.endsWith('.lock')) found.push(`refs/heads/${f}`);
    const objects = path.join(gitdir, 'objects');
    if (existsSync(objects)) {
      for (const dir of readdirSync(objects)) {
        if (!/^[0-9a-f]{2}$/.test(dir)) continue;
        for (const f of readdirSync(path.join(objects, dir))) if (f.startsWith('tmp_')) found.push(`objects/${dir}/${f}`);
      }
    }
    // A batch's pack is staged there before it is renamed into place.
    const packs = path.join(objects, 'pack');
    if (existsSync(packs)) {
      const files = readdirSync(packs);
      for (const f of files) if (f.startsWith('incoming-')) found.push(`objects/pack/${f}/`);
      // A pack's index is renamed into place before the pack: a kill in between leaves the index alone.
      for (const f of files) if (f.endsWith('.idx') && !files.includes(f.replace(/\.idx$/, '.pack'))) found.push(`objects/pack/${f}`);
    }
    return found;
  };

  async function start(): Promise<Server> {
    const server = await startKillableServer(dataDir, { CAIRN_MAX_COMMIT_BATCH: maxCommitBatch }, children);
    return { ...server, killedByUs: false };
  }

  async function gql<T>(server: Server, query: string, variables: Record<string, unknown>): Promise<Gql<T>> {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return (await res.json()) as Gql<T>;
  }

  interface HeadAnswer {
    namespace: { __typename: string; head: { hash: string } | null; versionCount: number; message?: string };
  }

  async function readHead(server: Server): Promise<{ hash: string | null; versionCount: number }> {
    const res = await gql<HeadAnswer>(server, HEAD, { ns: NAMESPACE });
    if (res.errors || res.data?.namespace.__typename !== 'Namespace') throw new Error(`head read failed: ${JSON.stringify(res)}`);
    return { hash: res.data.namespace.head?.hash ?? null, versionCount: res.data.namespace.versionCount };
  }

  it(
    `every acknowledged write survives SIGKILL at a random instant (${CYCLES} cycles, ${CLIENTS} clients, seed ${SEED})`,
    { timeout: 120_000 + CYCLES * 5_000 },
    async (ctx) => {
      ctx.onTestFailed(() => {
        keepWorkDir = true;
      });
      const began = performance.now();
      const random = prng(SEED);
      const clients: ClientState[] = Array.from({ length: CLIENTS }, (_, id) => ({ id, base: null, attempts: 0, writes: 0, random: prng(SEED + id + 1) }));
      const docs = new Map<string, DocState>();
      const docsOf = (client: number): [string, string] => [`clients/c${client}/settings.json`, `clients/c${client}/feature.yaml`];
      for (let c = 0; c < CLIENTS; c += 1) for (const p of docsOf(c)) docs.set(p, { lastAck: null, unknown: [] });
      const acks: Ack[] = [];
      const unexpected: string[] = [];
      let conflicts = 0;
      let unexplainedConflicts = 0;
      let lostAnswers = 0;
      let locksLeftByKill = 0;
      let tempsLeftByKill = 0;
      let previousHead: string | null = null;
      let startMs = 0;

      const textFor = (client: ClientState, file: string, cycle: number): string => {
        const seq = client.attempts;
        const pad = 'x'.repeat(Math.floor(client.random() * 200));
        return file.endsWith('.json')
          ? `${JSON.stringify({ client: client.id, seq, cycle, pad })}\n`
          : `# client ${client.id}, attempt ${seq}\nclient: ${client.id}\nseq: ${seq}\ncycle: ${cycle}\npad: "${pad}"\n`;
      };

      /** One client: writes its two documents in turn until the server is gone. */
      const runClient = async (server: Server, client: ClientState, cycle: number): Promise<void> => {
        let next = client.writes % 2;
        for (;;) {
          const file = docsOf(client.id)[next]!;
          const doc = docs.get(file)!;
          client.attempts += 1;
          const text = textFor(client, file, cycle);
          let res: Gql<{ putConfig: WriteResult }>;
          try {
            res = await gql(server, PUT_CONFIG, {
              input: { namespace: NAMESPACE, path: file, text, expectedVersion: client.base, comment: `client ${client.id} attempt ${client.attempts}` },
            });
          } catch (error) {
            // The answer is lost: the write may or may not be committed. Only a kill may cause that.
            doc.unknown.push(text);
            lostAnswers += 1;
            if (!server.killedByUs) unexpected.push(`cycle ${cycle} client ${client.id}: request failed before the kill: ${String(error)}`);
            return;
          }
          const result = res.data?.putConfig;
          if (res.errors || !result) {
            unexpected.push(`cycle ${cycle} client ${client.id}: ${JSON.stringify(res)}`);
            return;
          }
          if (result.__typename === 'WritePayload' && result.status === 'COMMITTED' && result.version && /^[0-9a-f]{40}$/.test(result.version.hash)) {
            acks.push({ cycle, client: client.id, hash: result.version.hash, path: file, text });
            doc.lastAck = text;
            doc.unknown = [];
            client.base = result.version.hash;
            client.writes += 1;
            next = 1 - next;
            continue;
          }
          if (result.__typename === 'VersionConflict') {
            // Only a write of this very document whose answer was lost to an earlier kill can have moved it.
            conflicts += 1;
            if (doc.unknown.length === 0) unexplainedConflicts += 1;
            try {
              client.base = (await readHead(server)).hash;
            } catch (error) {
              if (!server.killedByUs) unexpected.push(`cycle ${cycle} client ${client.id}: head re-read failed before the kill: ${String(error)}`);
              return;
            }
            continue;
          }
          unexpected.push(`cycle ${cycle} client ${client.id}: unexpected answer ${JSON.stringify(result)}`);
          return;
        }
      };

      /** A fresh start over the data left by the previous kill: no stale lock, the head git has, and it serves. */
      const startAndCheck = async (label: string, create: boolean): Promise<Server> => {
        const t0 = performance.now();
        const server = await start();
        startMs += performance.now() - t0;
        if (create) {
          const created = await gql<{ createNamespace: { __typename: string } }>(server, CREATE_NAMESPACE, { name: NAMESPACE });
          expect(created.data?.createNamespace.__typename, JSON.stringify(created)).toBe('Namespace');
        }
        const onDisk = readMain();
        const head = await readHead(server);
        // Nothing has written since the start: whatever lock or temp file is here was left by the kill, and the
        // namespace's first use (this read: it opens on first use) removed it.
        expect(leftovers(), `${label}: stale lock/temp files after start`).toEqual([]);
        expect(head.hash, `${label}: head served after restart vs refs/heads/main`).toBe(onDisk);
        const count = onDisk ? Number(git('rev-list', '--count', MAIN).trim()) : 0;
        expect(head.versionCount, `${label}: versionCount vs git rev-list --count`).toBe(count);
        return server;
      };

      for (let cycle = 0; cycle < CYCLES; cycle += 1) {
        const server = await startAndCheck(`cycle ${cycle}`, cycle === 0);
        const ackedBefore = acks.length;
        const delay = MIN_DELAY_MS + Math.floor(random() * (MAX_DELAY_MS - MIN_DELAY_MS + 1));
        const running = clients.map((c) => runClient(server, c, cycle));
        await sleep(delay);
        expect(server.child.exitCode ?? server.child.signalCode, `cycle ${cycle}: the server died by itself:\n${server.output.join('\n')}`).toBeNull();
        server.killedByUs = true;
        server.child.kill('SIGKILL');
        const exit = await server.exited;
        expect(exit.signal, `cycle ${cycle}: exit`).toBe('SIGKILL');
        await Promise.all(running);
        expect(unexpected, `cycle ${cycle}: unexpected answers`).toEqual([]);

        const leftover = leftovers();
        if (leftover.some((f) => f.endsWith('.lock'))) locksLeftByKill += 1;
        tempsLeftByKill += leftover.filter((f) => f.includes('/tmp_') || f.includes('/incoming-')).length;

        // 1. The repository is intact.
        const fsck = gitStatus('fsck', '--strict', '--no-progress');
        expect(fsck.status, `cycle ${cycle}: git fsck --strict failed:\n${fsck.stdout}\n${fsck.stderr}`).toBe(0);

        // 2. Main never moves backwards, and holds every acknowledged version.
        const head = readMain();
        if (previousHead) {
          expect(head, `cycle ${cycle}: refs/heads/main is gone (was ${previousHead})`).not.toBeNull();
          expect(isAncestor(previousHead, head!), `cycle ${cycle}: main moved backwards: ${previousHead} is not an ancestor of ${head}`).toBe(true);
        }
        if (acks.length > 0) expect(head, `cycle ${cycle}: ${acks.length} acknowledged writes but no refs/heads/main`).not.toBeNull();
        const reachable = new Set(head ? git('rev-list', MAIN).split('\n').filter(Boolean) : []);
        const lost = acks.filter((a) => !reachable.has(a.hash));
        expect(lost, `cycle ${cycle}: acknowledged versions missing from main`).toEqual([]);
        // `git rev-list main` lists exactly main's ancestors: a git merge-base process per new acknowledgement would say no more.
        for (const a of acks.slice(ackedBefore)) {
          expect(reachable.has(a.hash), `cycle ${cycle}: acknowledged ${a.hash} (client ${a.client}, ${a.path}) is not an ancestor of main ${head}`).toBe(true);
        }

        // 3. Each acknowledged version holds exactly the bytes written, and main holds each document's latest.
        const contents = catFiles(acks.map((a) => `${a.hash}:${a.path}`));
        acks.forEach((a, i) => {
          expect(contents[i]?.toString('utf8'), `cycle ${cycle}: git show ${a.hash}:${a.path}`).toBe(a.text);
        });
        if (head) {
          const paths = [...docs.keys()];
          const current = catFiles(paths.map((p) => `${head}:${p}`));
          paths.forEach((p, i) => {
            const doc = docs.get(p)!;
            const allowed = [...(doc.lastAck === null ? [null] : [doc.lastAck]), ...doc.unknown];
            expect(allowed, `cycle ${cycle}: ${p} at main is neither its last acknowledged text nor one of its unanswered writes`).toContain(
              current[i]?.toString('utf8') ?? null,
            );
          });
        }
        previousHead = head;
      }

      // The last kill too must leave a server that starts and serves.
      const final = await startAndCheck('final start', false);
      final.killedByUs = true;
      final.child.kill('SIGTERM');
      expect((await final.exited).code, 'final SIGTERM exit code').toBe(0);

      expect(unexplainedConflicts, 'VersionConflicts on documents with no unanswered write (expectedVersion = own last acknowledged version)').toBe(0);
      const commits = previousHead ? Number(git('rev-list', '--count', MAIN).trim()) : 0;
      const seconds = (performance.now() - began) / 1000;
      console.log(
        `[crash] ${CYCLES} cycles (seed ${SEED}) in ${seconds.toFixed(1)} s: ${acks.length} writes acknowledged, ${commits} commits in main, ` +
          `${lostAnswers} answers lost to kills, ${conflicts} conflicts after restarts, ${locksLeftByKill} kills left main.lock, ` +
          `${tempsLeftByKill} temp objects left, mean start ${(startMs / (CYCLES + 1)).toFixed(0)} ms`,
      );
      expect(acks.length, 'some writes were acknowledged').toBeGreaterThan(0);
    },
  );
});
