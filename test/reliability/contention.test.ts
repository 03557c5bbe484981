import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { catFileBatch, scaled } from './git-batch.js';
import { ADMIN } from '../support/tokens.js';

/**
 * Contention against a real server (CAIRN_FSYNC at the harness default). Counts scale with
 * CAIRN_RELIABILITY_SCALE (1 = the full sizes below; e.g. 0.25 for a quick run, 2 for a longer one).
 */
const CLIENTS = 16;
const UPDATES_PER_CLIENT = scaled(200);
const DUEL_ROUNDS = scaled(1000);
const IDEMPOTENCY_ROUNDS = scaled(20);
const READERS = 32;
const WRITERS = 4;
const READ_WINDOW_MS = scaled(2500);

const READ_COUNTER = `query($ns: String!, $path: String!) { namespace(name: $ns) { __typename ... on Namespace {
  config(path: $path) { __typename ... on ConfigDocument { content at { hash } } ... on Error { code message } } } } }`;

const READ_LIVE = `query($ns: String!, $path: String!) { namespace(name: $ns) { __typename ... on Namespace {
  head { hash }
  config(path: $path) { __typename ... on ConfigDocument { text content version { hash } at { hash } } ... on Error { code message } } } } }`;

interface ReadCounter {
  namespace: { __typename: string; config: { __typename: string; content: { n: number }; at: { hash: string } } };
}

interface ReadLive {
  namespace: {
    __typename: string;
    head: { hash: string } | null;
    config: { __typename: string; text: string; content: unknown; version: { hash: string }; at: { hash: string } };
  };
}

/**
 * What a well-behaved client does after a VersionConflict: waits a random while that doubles with each conflict in a
 * row (full jitter, 2 ms up to 256 ms), so 16 clients on one document do not re-read and re-send in lockstep. Without it
 * the run spends its time answering ~15 conflicts per commit; with it the same 3,200 increments still race.
 */
const backoff = (streak: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(256, 2 ** (streak + 1))));

const log = (message: string): void => {
  // Figures for whoever reads the test output (counts, conflicts, durations).
  process.stdout.write(`[reliability] ${message}\n`);
};

describe('contention on one namespace (real server, real git)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
  });

  afterAll(() => h?.close());

  const createNamespace = async (name: string): Promise<void> => {
    const res = await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name });
    expect(res.data.createNamespace.__typename).toBe('Namespace');
  };

  const put = async (input: Record<string, unknown>): Promise<WriteResult> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.status).toBe(200);
    return res.data.putConfig;
  };

  const revList = (ns: string, ...args: string[]): string[] =>
    h
      .git(ns, 'rev-list', ...args, 'HEAD')
      .trim()
      .split('\n')
      .filter(Boolean);

  const expectLinearAndClean = (ns: string): void => {
    expect(h.git(ns, 'rev-list', '--merges', 'HEAD').trim()).toBe('');
    expect(h.git(ns, 'rev-list', '--min-parents=2', 'HEAD').trim()).toBe('');
    // Exactly one root: the history is one chain.
    expect(revList(ns, '--max-parents=0')).toHaveLength(1);
    h.git(ns, 'fsck', '--strict');
  };

  it(`${CLIENTS} clients x ${UPDATES_PER_CLIENT} read-modify-write increments of ONE document with expectedVersion and retry: none lost, one linear chain`, async () => {
    const ns = 'counter';
    const path = 'shared/counter.json';
    await createNamespace(ns);
    const created = await put({ namespace: ns, path, content: { n: 0, by: null }, expectedVersion: null });
    expect(created.status).toBe('COMMITTED');

    const acknowledged: { hash: string; n: number }[] = [];
    let conflicts = 0;
    let reads = 0;
    const started = performance.now();
    const client = async (id: number): Promise<void> => {
      let streak = 0;
      for (let done = 0; done < UPDATES_PER_CLIENT;) {
        const read = await h.gql<ReadCounter>(READ_COUNTER, { ns, path });
        reads += 1;
        expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
        const doc = read.data.namespace.config;
        expect(doc.__typename).toBe('ConfigDocument');
        const next = doc.content.n + 1;
        const out = await put({ namespace: ns, path, content: { n: next, by: id }, expectedVersion: doc.at.hash });
        if (out.__typename === 'VersionConflict') {
          conflicts += 1;
          expect(out.paths).toEqual([path]);
          await backoff(streak);
          streak += 1;
          continue;
        }
        streak = 0;
        expect(out.__typename, JSON.stringify(out)).toBe('WritePayload');
        expect(out.status).toBe('COMMITTED');
        acknowledged.push({ hash: out.version!.hash, n: next });
        done += 1;
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    const seconds = (performance.now() - started) / 1000;
    const total = CLIENTS * UPDATES_PER_CLIENT;
    log(
      `counter: ${CLIENTS} clients x ${UPDATES_PER_CLIENT} = ${total} increments, ${conflicts} VersionConflicts (${(conflicts / total).toFixed(2)} per commit), ${reads} reads, ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(0)} commits/s`,
    );

    // Every acknowledged write is a distinct commit and each increment was acknowledged exactly once.
    expect(acknowledged).toHaveLength(total);
    expect(new Set(acknowledged.map((a) => a.hash)).size).toBe(total);
    expect(new Set(acknowledged.map((a) => a.n)).size).toBe(total);

    // The final value and the number of commits touching the document: nothing lost, nothing doubled.
    expect(JSON.parse(h.git(ns, 'show', `HEAD:${path}`))).toMatchObject({ n: total });
    expect(Number(h.git(ns, 'rev-list', '--count', 'HEAD', '--', path).trim())).toBe(total + 1);

    // Walking the chain from the creation, the counter goes 0, 1, 2, ... total: each commit is one increment.
    const chain = revList(ns, '--reverse');
    expect(chain).toHaveLength(total + 1);
    const values = catFileBatch(
      h.dataDir,
      ns,
      chain.map((c) => `${c}:${path}`),
    ).map((b) => (JSON.parse(b!.toString('utf8')) as { n: number }).n);
    expect(values).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
    const position = new Map(chain.map((c, i) => [c, i]));
    for (const a of acknowledged) expect(position.get(a.hash), `acknowledged ${a.hash} (n=${a.n}) missing from history`).toBe(a.n);

    expectLinearAndClean(ns);
  }, 180_000);

  it(`two writers on the same base, ${DUEL_ROUNDS} rounds: exactly one COMMITTED, the other VersionConflict naming the winner`, async () => {
    const ns = 'duel';
    const path = 'duel.yaml';
    await createNamespace(ns);
    const created = await put({ namespace: ns, path, content: { round: -1 }, expectedVersion: null });
    let base = created.version!.hash;
    let firstWins = 0;
    const started = performance.now();
    for (let round = 0; round < DUEL_ROUNDS; round += 1) {
      const [a, b] = await Promise.all(
        [0, 1].map((writer) => put({ namespace: ns, path, content: { round, writer }, expectedVersion: base, comment: `round ${round} writer ${writer}` })),
      );
      const outcomes = [a!, b!];
      const winners = outcomes.filter((o) => o.__typename === 'WritePayload' && o.status === 'COMMITTED');
      const losers = outcomes.filter((o) => o.__typename === 'VersionConflict');
      expect(winners, `round ${round}: ${JSON.stringify(outcomes)}`).toHaveLength(1);
      expect(losers, `round ${round}: ${JSON.stringify(outcomes)}`).toHaveLength(1);
      const winner = winners[0]!.version!.hash;
      expect(losers[0]!.currentVersion, `round ${round}`).toBe(winner);
      expect(losers[0]!.paths).toEqual([path]);
      if (outcomes[0] === winners[0]) firstWins += 1;
      base = winner;
    }
    const seconds = (performance.now() - started) / 1000;
    log(`duel: ${DUEL_ROUNDS} rounds, writer 0 won ${firstWins}, writer 1 won ${DUEL_ROUNDS - firstWins}, ${DUEL_ROUNDS} conflicts, ${seconds.toFixed(1)} s`);

    expect(h.git(ns, 'rev-parse', 'HEAD').trim()).toBe(base);
    expect(Number(h.git(ns, 'rev-list', '--count', 'HEAD').trim())).toBe(DUEL_ROUNDS + 1);
    expectLinearAndClean(ns);
  }, 120_000);

  it(`the same requestId sent 10 times concurrently (${IDEMPOTENCY_ROUNDS} rounds): one commit, one COMMITTED and nine REPLAYED naming it`, async () => {
    const ns = 'idempotent';
    await createNamespace(ns);
    let head = (await put({ namespace: ns, path: 'seed.json', content: { seed: true }, expectedVersion: null })).version!.hash;
    const started = performance.now();
    for (let round = 0; round < IDEMPOTENCY_ROUNDS; round += 1) {
      const requestId = `deploy-${round}-${Date.now().toString(36)}`;
      const before = Number(h.git(ns, 'rev-list', '--count', 'HEAD').trim());
      // Same request, retried by an impatient client: same input every time.
      const input = { namespace: ns, path: `svc/app-${round % 3}.yaml`, content: { replicas: round, image: `api:${round}` }, expectedVersion: head, requestId };
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => put(input)));
      const statuses = outcomes.map((o) => `${o.__typename}:${o.status ?? o.code}`).sort();
      expect(statuses, `round ${round}: ${JSON.stringify(outcomes)}`).toEqual(['WritePayload:COMMITTED', ...Array<string>(9).fill('WritePayload:REPLAYED')]);
      const hashes = new Set(outcomes.map((o) => o.version!.hash));
      expect(hashes.size).toBe(1);
      const [version] = [...hashes];
      expect(Number(h.git(ns, 'rev-list', '--count', 'HEAD').trim())).toBe(before + 1);
      expect(h.git(ns, 'rev-parse', 'HEAD').trim()).toBe(version);
      expect(h.git(ns, 'log', '-1', '--format=%(trailers:key=Cairn-Request-Id,valueonly)', 'HEAD').trim()).toBe(requestId);
      for (const o of outcomes) expect(o.version!.requestId).toBe(requestId);
      // A later retry, alone, is replayed too and still commits nothing.
      const late = await put(input);
      expect(late.status).toBe('REPLAYED');
      expect(late.version!.hash).toBe(version);
      expect(Number(h.git(ns, 'rev-list', '--count', 'HEAD').trim())).toBe(before + 1);
      head = version!;
    }
    log(`idempotency: ${IDEMPOTENCY_ROUNDS} rounds x 10 concurrent sends (+1 late retry each), ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(
      h
        .git(ns, 'log', '--format=%(trailers:key=Cairn-Request-Id,valueonly)', 'HEAD')
        .split('\n')
        .filter((l) => l.trim()).length,
    ).toBe(IDEMPOTENCY_ROUNDS);
    expectLinearAndClean(ns);
  }, 120_000);

  it(`${READERS} readers during ${WRITERS} writers for ${READ_WINDOW_MS} ms: every read succeeds, parses, heads only move forward and are in history`, async () => {
    const ns = 'live';
    await createNamespace(ns);
    const pad = 'x'.repeat(8 * 1024);
    const docs = Array.from({ length: WRITERS }, (_, i) => `docs/w${i}.json`);
    const last: string[] = [];
    for (const [i, path] of docs.entries()) {
      const out = await put({ namespace: ns, path, content: { writer: i, seq: 0, pad }, expectedVersion: null });
      expect(out.status).toBe('COMMITTED');
      last[i] = out.version!.hash;
    }

    let stop = false;
    let writes = 0;
    const writer = async (i: number): Promise<void> => {
      for (let seq = 1; !stop; seq += 1) {
        // Each writer owns its document: guarded by its own last version, it never conflicts.
        const out = await put({
          namespace: ns,
          path: docs[i],
          content: { writer: i, seq, pad, list: Array.from({ length: seq % 50 }, (_, k) => k) },
          expectedVersion: last[i],
        });
        expect(out.__typename, JSON.stringify(out)).toBe('WritePayload');
        expect(out.status).toBe('COMMITTED');
        last[i] = out.version!.hash;
        writes += 1;
      }
    };

    interface Observation {
      head: string;
      version: string;
      at: string;
      path: string;
      text: string;
    }
    const observations: Observation[][] = Array.from({ length: READERS }, () => []);
    const failures: string[] = [];
    const reader = async (r: number): Promise<void> => {
      const path = docs[r % WRITERS]!;
      while (!stop) {
        // A read served from caches end to end is microtasks only in process: a turn of the event loop per read
        // stands for the socket a real client reads through, and lets the window's timer fire.
        await new Promise((resolve) => setImmediate(resolve));
        const res = await h.gql<ReadLive>(READ_LIVE, { ns, path });
        if (res.status !== 200 || res.errors) {
          failures.push(`reader ${r}: HTTP ${res.status} ${JSON.stringify(res.errors)}`);
          continue;
        }
        const n = res.data.namespace;
        if (n.__typename !== 'Namespace' || !n.head || n.config.__typename !== 'ConfigDocument') {
          failures.push(`reader ${r}: ${JSON.stringify(n).slice(0, 300)}`);
          continue;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(n.config.text);
        } catch (error) {
          failures.push(`reader ${r}: text does not parse (${String(error)}): ${n.config.text.slice(0, 100)}`);
          continue;
        }
        if (JSON.stringify(parsed) !== JSON.stringify(n.config.content)) failures.push(`reader ${r}: text and content disagree at ${n.config.version.hash}`);
        observations[r]!.push({ head: n.head.hash, version: n.config.version.hash, at: n.config.at.hash, path, text: n.config.text });
      }
    };

    const started = performance.now();
    const writing = Array.from({ length: WRITERS }, (_, i) => writer(i));
    const reading = Array.from({ length: READERS }, (_, r) => reader(r));
    await new Promise((resolve) => setTimeout(resolve, READ_WINDOW_MS));
    stop = true;
    await Promise.all([...writing, ...reading]);
    const seconds = (performance.now() - started) / 1000;
    const reads = observations.reduce((sum, o) => sum + o.length, 0);
    log(`live: ${READERS} readers, ${WRITERS} writers, ${seconds.toFixed(1)} s, ${reads} reads, ${writes} writes, ${failures.length} failed reads`);

    expect(failures.slice(0, 10)).toEqual([]);
    expect(writes).toBeGreaterThan(0);
    const chain = revList(ns, '--reverse');
    const position = new Map(chain.map((c, i) => [c, i]));
    expect(chain).toHaveLength(WRITERS + writes);
    for (const [r, seen] of observations.entries()) {
      expect(seen.length, `reader ${r} read nothing`).toBeGreaterThan(0);
      let previous = -1;
      for (const [k, o] of seen.entries()) {
        const at = position.get(o.head);
        expect(at, `reader ${r} read ${k}: head ${o.head} is not in the final history`).toBeDefined();
        expect(at!, `reader ${r} read ${k}: head went backwards`).toBeGreaterThanOrEqual(previous);
        previous = at!;
        expect(position.get(o.version), `reader ${r} read ${k}: version ${o.version} not in history`).toBeDefined();
        expect(position.get(o.at), `reader ${r} read ${k}: at ${o.at} not in history`).toBeDefined();
        expect(position.get(o.version)!).toBeLessThanOrEqual(position.get(o.at)!);
      }
    }
    // The text a reader got is, byte for byte, the document as Git stores it at the version named with it.
    const unique = new Map<string, string>();
    for (const seen of observations) for (const o of seen) unique.set(`${o.version}:${o.path}`, o.text);
    const specs = [...unique.keys()];
    const blobs = catFileBatch(h.dataDir, ns, specs);
    for (const [i, spec] of specs.entries()) expect(blobs[i]?.toString('utf8'), spec).toBe(unique.get(spec));
    expectLinearAndClean(ns);
  }, 120_000);
});
