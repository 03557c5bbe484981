import http from 'node:http';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  billionLaughs,
  blockMapNesting,
  blockSequenceNesting,
  denseYaml,
  flowNesting,
  largeYaml,
  MIB,
  mergeKeyBomb,
  wideAliases,
  wideJsonArray,
} from '../support/attack-payloads.js';
import { startHealthProbe } from '../support/health-probe.js';
import { type ProcessHarness, startProcessHarness, watchPeakRss } from '../support/process-harness.js';
import { type Closed, isRefused, type OpenSocket, openSocket, wsUrl } from '../support/raw-websocket.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';

/**
 * Issue 12's attacks, each against a real server in its own process while a probe asks `/healthz` every 50 ms:
 * every attack is refused or answered with a bounded result, and no probe waits PROBE_BOUND_MS.
 *
 * PROBE_BOUND_MS: on this 2-core machine, loaded by other test runs (load average 3 to 8), the worst probe wait was
 * 220 to 370 ms (the heavy-but-allowed mix, once the 20,000-leaf blame); the other attacks stayed under 240 ms. On the
 * code before issue 12 the same attacks held /healthz 1.8 s (blame), 3.8 to 4.7 s (bombs, keep-alive), 6 s (300
 * replays), or dropped its connection (ECONNRESET: the alias bomb's blame, the 90 MiB messages, the heavy mix).
 * 1 s leaves room for a slower CI machine without letting a real stall (a second of synchronous work) through.
 */
const PROBE_BOUND_MS = 1_000;
/**
 * A refusal (a bomb, a reused key) answers in 5 to 120 ms here, the blame of the alias bomb committed outside Cairn in
 * 0.5 to 0.7 s. Before: the 1 MiB nesting bomb 4.7 s here (32.9 s in the issue), the alias bomb's blame 10 to 11 s
 * (a 90 MB answer of 900,000 entries).
 */
const ANSWER_BOUND_MS = 5_000;
/** Server RSS growth while the bombs are refused: 40 to 45 MB here; before, +545 MB for the nesting bomb alone, +1.4 GB in all. */
const BOMB_RSS_BOUND_MB = 100;
/** Server RSS growth while six sockets each send a 90 MiB connection_init: 0 to 4 MB here; before, +1.2 to 1.3 GB. */
const WS_RSS_BOUND_MB = 50;

/** The WebSocket defaults of src/server/settings.ts: 64 sockets per client address, 32 operations per socket. */
const WS_MAX_CONNECTIONS_PER_IP = 64;
const WS_MAX_SUBSCRIPTIONS = 32;

const NULL_VERSION = '0'.repeat(40);

// Only fields the code before issue 12 knows too (no TooExpensive, no IdempotencyKeyReused), so that the suite runs
// there and fails on what it measures rather than on its queries; the idempotency attack adds its own.
const ERRORS = '... on Error { code message } ... on InvalidDocument { detail line column }';
const WRITE_RESULT = `__typename ... on WritePayload { status version { hash } } ${ERRORS}`;
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${WRITE_RESULT} } }`;
const CREATE_NAMESPACE = `mutation($name: String!) { createNamespace(input: { name: $name }) { __typename ... on Error { code message } } }`;
const BLAME = `query($ns: String!, $path: String!) { namespace(name: $ns) { ... on Namespace {
  blame(path: $path) { __typename ... on Blame { entries { pointer value version { hash } } } ${ERRORS} } } } }`;
const CONFIG = `query($ns: String!, $path: String!, $at: String) { namespace(name: $ns) { ... on Namespace {
  config(path: $path, at: $at) { __typename ... on ConfigDocument { content } ... on Error { code message } } } } }`;

interface WriteResult {
  readonly __typename: string;
  readonly status?: string;
  readonly version?: { readonly hash: string };
  readonly code?: string;
  readonly message?: string;
  readonly detail?: string;
  readonly line?: number | null;
  readonly column?: number | null;
  readonly firstVersion?: string;
}

interface BlameAnswer {
  readonly __typename: string;
  readonly entries?: { readonly pointer: string; readonly value: number; readonly version: { readonly hash: string } }[];
}

/** An HTTP answer read as it came: a refusal before GraphQL ran has errors and no data. */
interface RawAnswer {
  readonly status: number;
  readonly body: { data?: { putConfig?: WriteResult } | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

interface TypedResult {
  readonly __typename: string;
  readonly code?: string;
  readonly message?: string;
}

const log = (message: string): void => {
  // The figures the closing note of issue 12 quotes: probe waits, answer times, memory.
  process.stdout.write(`[attacks] ${message}\n`);
};

const ms = (value: number): string => `${Math.round(value)} ms`;

/** The start of a value as JSON, for an assertion's message: a blame of a bomb is 90 MB of it. */
const brief = (value: unknown): string => (JSON.stringify(value) ?? 'undefined').slice(0, 300);

/**
 * A socket whose frames go out with the mask 0 (legal, and what an attacker's client may do): `ws` then sends a
 * message as it is, where it would otherwise copy and mask 90 MiB on this thread for a second, a stall the probe
 * would blame on the server.
 */
function openZeroMaskSocket(url: string): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws', { generateMask: (mask) => mask.fill(0) });
    const closed = new Promise<Closed>((done) => socket.on('close', (code, reason) => done({ code, reason: reason.toString() })));
    socket.once('open', () => {
      // Once the server closed, writing the rest of the message can fail with EPIPE: expected here.
      socket.on('error', () => undefined);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

describe('issue 12 attacks against a server in its own process', () => {
  let server: ProcessHarness;

  const gitOut = (ns: string, ...args: string[]): string => server.git(ns, args).trim();
  const commitCount = (ns: string): number => Number(gitOut(ns, 'rev-list', '--count', 'main'));
  const head = (ns: string): string => gitOut(ns, 'rev-parse', 'main');

  const createNamespace = async (name: string): Promise<void> => {
    const res = await server.gql<{ createNamespace: TypedResult }>(CREATE_NAMESPACE, { name }, ADMIN.token);
    expect(res.data?.createNamespace.__typename, brief(res)).toBe('Namespace');
  };

  const put = async (input: Record<string, unknown>, token = ADMIN.token): Promise<WriteResult> => {
    const res = await server.gql<{ putConfig: WriteResult }>(PUT, { input }, token);
    expect(res.errors, brief(res.errors)).toBeUndefined();
    return res.data.putConfig;
  };

  const committed = async (input: Record<string, unknown>, token = ADMIN.token): Promise<string> => {
    const res = await put(input, token);
    expect(res.status, brief(res)).toBe('COMMITTED');
    return res.version!.hash;
  };

  /** Runs `attack` while the probe runs; logs what the probe saw and holds it to PROBE_BOUND_MS. */
  async function underProbe<T>(label: string, attack: () => Promise<T>): Promise<T> {
    const probe = startHealthProbe(server.url, 50);
    const started = performance.now();
    let result: T;
    try {
      result = await attack();
    } finally {
      // A probe that failed (the server dropped its connection) is a failure of the attack's guarantee too.
      const figures = await probe.stop().catch((error: unknown) => error as Error);
      if (figures instanceof Error) {
        log(`${label}: ${ms(performance.now() - started)}; a /healthz probe failed: ${figures.message} (${String(figures.cause)})`);
        expect.soft(figures.message, `${label}: a /healthz probe failed`).toBeUndefined();
      } else {
        log(`${label}: ${ms(performance.now() - started)}; /healthz ${figures.count} probes, max ${ms(figures.max)}, p99 ${ms(figures.p99)}`);
        // Soft: when the attack itself failed, its error is the one to see, with this one beside it.
        expect.soft(figures.max, `${label}: /healthz waited ${ms(figures.max)}`).toBeLessThan(PROBE_BOUND_MS);
      }
    }
    return result;
  }

  /** One request that must be answered within ANSWER_BOUND_MS. */
  async function quickly<T>(label: string, request: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await request();
    const took = performance.now() - started;
    log(`  ${label}: answered in ${ms(took)}`);
    // Soft: the attack goes on, so that a slow answer does not hide what the next request does.
    expect.soft(took, `${label} took ${ms(took)}`).toBeLessThan(ANSWER_BOUND_MS);
    return result;
  }

  beforeAll(async () => {
    server = await startProcessHarness({ tokens: [ADMIN, EDITOR, VIEWER] });
  }, 90_000);

  afterAll(async () => {
    await server?.close();
  });

  describe('1. blame', () => {
    const LEAVES = 20_000;
    /** Four versions of an array of 20,000 numbers: all set, then every 2nd, 3rd and 5th index changed. */
    const versions = [0, 2, 3, 5].map((step, v) => Array.from({ length: LEAVES }, (_, i) => (v > 0 && i % step === 0 ? -(v * LEAVES + i) : i)));

    it('answers a 20,000-leaf blame for a viewer with every leaf attributed', async () => {
      await createNamespace('blame');
      const hashes: string[] = [];
      for (const content of versions) {
        hashes.push(await committed({ namespace: 'blame', path: 'big.json', content, expectedVersion: hashes.at(-1) ?? null }));
      }
      const res = await underProbe('blame of 20,000 leaves', () =>
        quickly('blame', () => server.gql<{ namespace: { blame: BlameAnswer } }>(BLAME, { ns: 'blame', path: 'big.json' }, VIEWER.token)),
      );
      const blame = res.data.namespace.blame;
      expect(blame.__typename).toBe('Blame');
      expect(blame.entries).toHaveLength(LEAVES);
      // A leaf was last set by the newest version whose value at its index differs from the version before.
      const expected = versions[0]!.map((_, i) => hashes[versions.findLastIndex((v, k) => k === 0 || v[i] !== versions[k - 1]![i])]);
      const wrong = blame.entries!.filter((e, i) => e.pointer !== `/${i}` || e.value !== versions.at(-1)![i] || e.version.hash !== expected[i]);
      expect(wrong.slice(0, 5)).toEqual([]);
    });

    it('answers the blame and the read of an alias bomb committed outside Cairn with a typed error, quickly', async () => {
      // Cairn refuses the bomb at write; another Git client can still push it. 41 KB expanding to ~900,000 values
      // hung the server for more than 5 minutes.
      await createNamespace('outside');
      const before = await committed({ namespace: 'outside', path: 'app.json', content: { a: 1 }, expectedVersion: null });
      const id = server.git('outside', ['hash-object', '-w', '--stdin'], wideAliases()).trim();
      const tree = server.git('outside', ['mktree'], `${server.git('outside', ['ls-tree', before])}100644 blob ${id}\toutside.yaml\n`).trim();
      const bomb = gitOut('outside', 'commit-tree', tree, '-p', before, '-m', 'an alias bomb from another Git client');
      server.git('outside', ['update-ref', 'refs/heads/main', bomb, before]);
      await underProbe('alias bomb committed outside Cairn', async () => {
        // The server's index catches up with commits made outside it on the namespace's next write.
        await quickly('the next write', () => committed({ namespace: 'outside', path: 'after.json', content: { a: 1 }, expectedVersion: null }));
        expect(gitOut('outside', 'rev-parse', 'main~1')).toBe(bomb);
        const blame = await quickly('blame of the bomb', () =>
          server.gql<{ namespace: { blame: TypedResult } }>(BLAME, { ns: 'outside', path: 'outside.yaml' }, VIEWER.token),
        );
        log(`    ${blame.data.namespace.blame.__typename}: ${blame.data.namespace.blame.message}`);
        expect.soft(['InvalidDocument', 'TooExpensive'], brief(blame.data.namespace.blame)).toContain(blame.data.namespace.blame.__typename);
        const read = await quickly('read of the bomb', () =>
          server.gql<{ namespace: { config: TypedResult } }>(CONFIG, { ns: 'outside', path: 'outside.yaml' }, VIEWER.token),
        );
        // The document is there; its value is not: a typed error in the result or on the content field.
        const code = read.data.namespace.config.code ?? read.errors?.[0]?.extensions?.code;
        log(`    ${read.data.namespace.config.__typename}, ${code}: ${read.data.namespace.config.message ?? read.errors?.[0]?.message}`);
        expect(['INVALID_DOCUMENT', 'TOO_EXPENSIVE'], brief(read)).toContain(code);
      });
    });
  });

  describe('2. governance', () => {
    it("refuses an editor's merge of a take-over policy; the admin can still write", async () => {
      await createNamespace('gov');
      const base = await committed({ namespace: 'gov', path: 'app.json', content: { a: 1 }, expectedVersion: null }, EDITOR.token);
      const takeover = `${JSON.stringify({ approvals: [{ paths: ['**'], required: 1, approvers: [VIEWER.email] }] })}\n`;
      await underProbe('governance take-over', async () => {
        const proposed = await server.gql<{ proposeChange: { __typename: string; id?: string } }>(
          `mutation($input: ProposeChangeInput!) { proposeChange(input: $input) { __typename ... on Proposal { id } ${ERRORS} } }`,
          { input: { namespace: 'gov', expectedVersion: base, changes: [{ path: '.cairn/policy.json', text: takeover }] } },
          EDITOR.token,
        );
        expect(proposed.data.proposeChange.__typename, brief(proposed)).toBe('Proposal');
        const merged = await server.gql<{ mergeChange: WriteResult }>(
          `mutation($input: ProposalActionInput!) { mergeChange(input: $input) { ${WRITE_RESULT} } }`,
          { input: { namespace: 'gov', proposal: proposed.data.proposeChange.id } },
          EDITOR.token,
        );
        expect(merged.data.mergeChange).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN' });
        expect(head('gov')).toBe(base);
        await committed({ namespace: 'gov', path: 'app.json', content: { a: 2 }, expectedVersion: base }, ADMIN.token);
      });
    });
  });

  describe('3. YAML and JSON bombs', () => {
    /** A write whose `content` is spelled out by hand: JSON.stringify of these values would overflow this test's stack. */
    async function putContent(path: string, content: string): Promise<RawAnswer> {
      const body = `{"query":${JSON.stringify(PUT)},"variables":{"input":{"namespace":"bombs","path":"${path}","expectedVersion":null,"content":${content}}}}`;
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN.token}` },
        body,
      });
      const text = await res.text();
      return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as never) : { errors: [{ message: text }] } };
    }

    it('refuses nesting, alias and merge-key bombs as text and as content, commits nothing, and keeps memory and /healthz bounded', async () => {
      await createNamespace('bombs');
      await committed({ namespace: 'bombs', path: 'app.yaml', text: 'replicas: 1\n', expectedVersion: null });
      const commits = commitCount('bombs');
      const texts: [string, string][] = [
        ['flow.yaml', flowNesting(MIB)],
        ['flow.json', flowNesting(MIB)],
        ['laughs.yaml', billionLaughs()],
        ['merges.yaml', mergeKeyBomb()],
        ['wide.yaml', wideAliases()],
        ['sequences.yaml', blockSequenceNesting(300)],
        ['maps.yaml', blockMapNesting(300)],
      ];
      const contents: [string, string][] = [
        ['100,000 levels', flowNesting(200_000)],
        ['2,000,000 values', wideJsonArray(2_000_000)],
      ];
      const rssBefore = server.rssBytes();
      const peak = watchPeakRss(server.pid);
      try {
        await underProbe('YAML and JSON bombs', async () => {
          for (const [path, text] of texts) {
            const res = await quickly(`${path} (${text.length} bytes) as text`, () => put({ namespace: 'bombs', path, text, expectedVersion: null }));
            log(`    ${res.__typename}: ${res.detail ?? res.message} at ${res.line}:${res.column}`);
            // Soft: one bomb let through must not hide how the others fare.
            expect.soft(res, path).toMatchObject({ __typename: 'InvalidDocument', line: expect.any(Number) as unknown, column: expect.any(Number) as unknown });
          }
          for (const [label, content] of contents) {
            for (const path of ['content.json', 'content.yaml']) {
              const res = await quickly(`${label} (${content.length} bytes) as content of ${path}`, () => putContent(path, content));
              const typename = res.body.data?.putConfig?.__typename;
              const code = res.body.errors?.[0]?.extensions?.code;
              log(`    HTTP ${res.status}: ${typename ?? `${code}: ${res.body.errors?.[0]?.message.slice(0, 120)}`}`);
              expect.soft(res.status, label).toBeLessThan(500);
              // Refused by type in the result, or before the resolver: a 4xx with an error code, never a 5xx.
              if (typename !== undefined) expect.soft(['InvalidInput', 'InvalidDocument', 'TooExpensive'], label).toContain(typename);
              else expect.soft([400, 413], label).toContain(res.status);
            }
          }
        });
      } finally {
        const grewMb = (peak.stop() - rssBefore) / MIB;
        log(`  server RSS ${Math.round(rssBefore / MIB)} MB, peak +${Math.round(grewMb)} MB while refusing bombs`);
        expect(grewMb).toBeLessThan(BOMB_RSS_BOUND_MB);
      }
      expect(commitCount('bombs')).toBe(commits);
      expect(gitOut('bombs', 'fsck', '--strict')).toBe('');
    }, 120_000);
  });

  describe('4. WebSocket', () => {
    it('refuses sockets beyond the per-address cap with 429 at the upgrade', async () => {
      const open: OpenSocket[] = [];
      try {
        const refusal = await underProbe(`${WS_MAX_CONNECTIONS_PER_IP + 1} sockets from one address`, async () => {
          while (open.length <= WS_MAX_CONNECTIONS_PER_IP) {
            const opened = await openSocket(server.url);
            if (isRefused(opened)) return opened;
            open.push(opened);
            await new Promise<void>((resolve, reject) => {
              opened.socket.once('message', () => resolve());
              opened.socket.once('close', (code) => reject(new Error(`closed ${code} before connection_ack`)));
              opened.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${VIEWER.token}` } }));
            });
          }
          return null;
        });
        expect(open).toHaveLength(WS_MAX_CONNECTIONS_PER_IP);
        expect(refusal?.status).toBe(429);
      } finally {
        for (const o of open) o.socket.close();
        await Promise.all(open.map((o) => o.closed));
      }
    });

    it('closes six unauthenticated sockets that each send a 90 MiB connection_init (1009), with memory flat', async () => {
      const message = Buffer.from(`{"type":"connection_init","payload":{"pad":"${'x'.repeat(90 * MIB)}"}}`);
      const sockets: OpenSocket[] = [];
      for (let i = 0; i < 6; i += 1) sockets.push(await openZeroMaskSocket(server.url));
      const rssBefore = server.rssBytes();
      const peak = watchPeakRss(server.pid);
      let codes: number[] = [];
      try {
        await underProbe('six 90 MiB connection_init messages', async () => {
          for (const s of sockets) s.socket.send(message, { binary: false });
          codes = (await Promise.all(sockets.map((s) => s.closed))).map((c) => c.code);
        });
      } finally {
        const grewMb = (peak.stop() - rssBefore) / MIB;
        log(`  server RSS ${Math.round(rssBefore / MIB)} MB, peak +${Math.round(grewMb)} MB; close codes ${codes.join(', ')}`);
        expect(grewMb).toBeLessThan(WS_RSS_BOUND_MB);
      }
      expect(codes).toEqual([1009, 1009, 1009, 1009, 1009, 1009]);
    }, 60_000);

    it(`answers subscriptions beyond ${WS_MAX_SUBSCRIPTIONS} on one socket with TOO_MANY_SUBSCRIPTIONS, and serves the others`, async () => {
      await createNamespace('feed');
      const COMMITS = 31;
      let version: string | null = null;
      for (let v = 0; v < COMMITS; v += 1) {
        const content = Object.fromEntries(Array.from({ length: 300 }, (_, k) => [`key${k}`, k % 30 === v % 30 ? `changed in ${v}` : k]));
        version = await committed({ namespace: 'feed', path: 'app.json', content, expectedVersion: version });
      }
      const client = createClient({
        url: `${server.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${VIEWER.token}` },
        retryAttempts: 0,
        lazy: true,
      });
      const TOTAL = 300;
      const events = new Array<number>(TOTAL).fill(0);
      const refused: number[] = [];
      const otherErrors: string[] = [];
      try {
        await underProbe(`${TOTAL} replays from the first commit on one socket`, async () => {
          const settled = new Promise<void>((resolve) => {
            const check = (): void => {
              const served = events.filter((n) => n === COMMITS).length;
              if (refused.length + served + otherErrors.length === TOTAL) resolve();
            };
            for (let i = 0; i < TOTAL; i += 1) {
              client.subscribe(
                { query: `subscription($since: String) { changes(namespace: "feed", since: $since) { version } }`, variables: { since: NULL_VERSION } },
                {
                  next: () => {
                    events[i] = events[i]! + 1;
                    check();
                  },
                  error: (error: unknown) => {
                    const code = Array.isArray(error) ? (error[0] as { extensions?: { code?: string } } | undefined)?.extensions?.code : undefined;
                    if (code === 'TOO_MANY_SUBSCRIPTIONS') refused.push(i);
                    else otherErrors.push(brief(error));
                    check();
                  },
                  complete: () => undefined,
                },
              );
            }
          });
          // Before the caps, 300 replays ran at once: they are given 30 s, then the test says how far they got.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)))]);
          clearTimeout(timer);
        });
      } finally {
        const served = events.filter((n) => n === COMMITS).length;
        log(
          `  ${refused.length} refused, ${served} served all ${COMMITS} events, ${events.reduce((a, b) => a + b, 0)} events in all; other errors: ${otherErrors.slice(0, 2).join('; ')}`,
        );
        await client.dispose();
      }
      expect(otherErrors).toEqual([]);
      expect(refused).toEqual(Array.from({ length: TOTAL - WS_MAX_SUBSCRIPTIONS }, (_, k) => WS_MAX_SUBSCRIPTIONS + k));
      expect(events.slice(0, WS_MAX_SUBSCRIPTIONS)).toEqual(new Array<number>(WS_MAX_SUBSCRIPTIONS).fill(COMMITS));
    }, 60_000);
  });

  describe('5. paths', () => {
    it('refuses paths git reads as .git with InvalidPath; the repository stays fsck --strict clean', async () => {
      await createNamespace('paths');
      await committed({ namespace: 'paths', path: 'a.yaml', text: 'a: 1\n', expectedVersion: null });
      const commits = commitCount('paths');
      await underProbe('paths git reads as .git', async () => {
        for (const path of ['.git:x/a.yaml', '.GIT::$INDEX_ALLOCATION/a.yaml', 'git~1:foo/a.yaml', 'x/.git:/a.yaml']) {
          expect(await put({ namespace: 'paths', path, text: 'a: 1\n', expectedVersion: 'HEAD' }), path).toMatchObject({ __typename: 'InvalidPath' });
        }
      });
      expect(commitCount('paths')).toBe(commits);
      expect(gitOut('paths', 'fsck', '--strict')).toBe('');
    });
  });

  describe('6. idempotency keys', () => {
    const REUSED = '... on IdempotencyKeyReused { requestId firstVersion }';
    const mutation = (field: string, input: string): string => `mutation($input: ${input}!) { ${field}(input: $input) { ${WRITE_RESULT} ${REUSED} } }`;

    it('refuses a reused requestId with another request (IdempotencyKeyReused naming the first version), and replays the same request', async () => {
      await createNamespace('idem');
      const base = await committed({ namespace: 'idem', path: 'app.yaml', text: 'replicas: 1\n', expectedVersion: null });
      const first = await committed({ namespace: 'idem', path: 'x.yaml', text: 'v: 1\n', expectedVersion: base, requestId: 'R' });
      const commits = commitCount('idem');
      const call = async (field: string, input: string, values: Record<string, unknown>, token = ADMIN.token): Promise<WriteResult> => {
        const res = await server.gql<Record<string, WriteResult>>(mutation(field, input), { input: { namespace: 'idem', requestId: 'R', ...values } }, token);
        expect(res.errors, brief(res.errors)).toBeUndefined();
        return res.data[field]!;
      };
      await underProbe('reused idempotency keys', async () => {
        const attempts: [string, () => Promise<WriteResult>][] = [
          ['delete of another document', () => call('deleteConfig', 'DeleteConfigInput', { path: 'app.yaml', expectedVersion: first })],
          ['another payload', () => call('putConfig', 'PutConfigInput', { path: 'x.yaml', text: 'v: 2\n', expectedVersion: base })],
          ['another operator', () => call('putConfig', 'PutConfigInput', { path: 'x.yaml', text: 'v: 1\n', expectedVersion: base }, EDITOR.token)],
          ['rollback', () => call('rollback', 'RollbackInput', { to: base, expectedVersion: first })],
          ['revert', () => call('revert', 'RevertInput', { version: first, expectedVersion: first })],
        ];
        for (const [label, attempt] of attempts) expect(await attempt(), label).toMatchObject({ __typename: 'IdempotencyKeyReused', firstVersion: first });
        expect(commitCount('idem')).toBe(commits);
        const again = await call('putConfig', 'PutConfigInput', { path: 'x.yaml', text: 'v: 1\n', expectedVersion: base });
        expect(again).toMatchObject({ __typename: 'WritePayload', status: 'REPLAYED', version: { hash: first } });
      });
      expect(commitCount('idem')).toBe(commits);
      expect(gitOut('idem', 'show', 'main:app.yaml')).toBe('replicas: 1');
    });
  });

  describe('7. prototype names', () => {
    const NAMES = ['constructor', 'hasownproperty', 'tostring', 'valueof'];

    it('gives a viewer of * the viewer role in namespaces named like Object.prototype properties, and lets it read them', async () => {
      for (const ns of NAMES) {
        await createNamespace(ns);
        await committed({ namespace: ns, path: 'app.json', content: { name: ns }, expectedVersion: null });
      }
      await underProbe('prototype names', async () => {
        const roles = await server.gql<{ viewer: Record<string, string | null> }>(
          `query { viewer { ${NAMES.map((n) => `${n}: role(namespace: "${n}")`).join(' ')} } }`,
          {},
          VIEWER.token,
        );
        expect(roles.errors, brief(roles.errors)).toBeUndefined();
        expect(roles.data.viewer).toEqual(Object.fromEntries(NAMES.map((n) => [n, 'VIEWER'])));
        for (const ns of NAMES) {
          const read = await server.gql<{ namespace: { config: { __typename: string; content?: unknown } } }>(CONFIG, { ns, path: 'app.json' }, VIEWER.token);
          expect(read.data.namespace?.config, ns).toEqual({ __typename: 'ConfigDocument', content: { name: ns } });
        }
      });
    });
  });

  describe('8. keep-alive', () => {
    /** A POST to /graphql through `agent`: its status, its body, and the local port of the connection it went on. */
    function post(agent: http.Agent, token: string, payload: string): Promise<{ status: number; body: string; port: number | undefined }> {
      return new Promise((resolve, reject) => {
        const req = http.request(
          `${server.url}/graphql`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } },
          (res) => {
            const port = res.socket.localPort;
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, port }));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    }

    it('answers a request sent right after a 1 MiB YAML write on the same keep-alive connection', async () => {
      await createNamespace('keepalive');
      const text = denseYaml(MIB, 'keep-alive');
      expect(text.length).toBeLessThanOrEqual(MIB);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const [write, read] = await underProbe('1 MiB YAML write, then a request on the same connection', () =>
          Promise.all([
            post(
              agent,
              ADMIN.token,
              JSON.stringify({ query: PUT, variables: { input: { namespace: 'keepalive', path: 'big.yaml', text, expectedVersion: null } } }),
            ),
            post(agent, VIEWER.token, JSON.stringify({ query: '{ viewer { name } }' })),
          ]),
        );
        expect(write.status).toBe(200);
        expect((JSON.parse(write.body) as { data: { putConfig: WriteResult } }).data.putConfig.status).toBe('COMMITTED');
        // One connection for both: the agent queued the second request until the first was answered.
        expect(read).toEqual({ status: 200, body: JSON.stringify({ data: { viewer: { name: VIEWER.name } } }), port: write.port });
      } finally {
        agent.destroy();
      }
    });
  });

  describe('9. heavy but allowed', () => {
    /** Half the clients write documents of many keys, half documents of as many values as 1 MiB holds. */
    const documentOf = (client: number, seed: string): string => (client % 2 === 0 ? largeYaml(MIB, seed) : denseYaml(MIB, seed));
    /** What names a document's seed: its first value, or the first key of its first section. */
    const markerOf = (content: unknown): unknown =>
      Array.isArray(content) ? content[0] : (content as { section0?: { key1?: string } } | null)?.section0?.key1;
    const markerFor = (client: number, seed: string): string => (client % 2 === 0 ? `value 1 of ${seed}` : seed);

    it('keeps /healthz answering while 4 clients write 1 MiB YAML documents and read old versions of them for 10 s', async () => {
      await createNamespace('heavy');
      const CLIENTS = 4;
      const DURATION_MS = 10_000;
      /** Every version written, with what its document's marker is: what the readers check they read. */
      const written: { path: string; hash: string; marker: string }[] = [];
      for (let c = 0; c < CLIENTS; c += 1) {
        const hash = await committed({ namespace: 'heavy', path: `c${c}.yaml`, text: documentOf(c, `c${c}-v0`), expectedVersion: null });
        written.push({ path: `c${c}.yaml`, hash, marker: markerFor(c, `c${c}-v0`) });
      }
      let writes = 0;
      let reads = 0;
      await underProbe(`${CLIENTS} clients writing and reading 1 MiB YAML for ${DURATION_MS / 1000} s`, async () => {
        const end = performance.now() + DURATION_MS;
        await Promise.all(
          Array.from({ length: CLIENTS }, async (_, c) => {
            let mine = written[c]!.hash;
            for (let round = 1; performance.now() < end; round += 1) {
              const seed = `c${c}-v${round}`;
              mine = await committed({ namespace: 'heavy', path: `c${c}.yaml`, text: documentOf(c, seed), expectedVersion: mine });
              written.push({ path: `c${c}.yaml`, hash: mine, marker: markerFor(c, seed) });
              writes += 1;
              // An old version, not the newest: not one a cache of parsed documents just saw.
              const old = written[(round * 7 + c * 13) % Math.max(1, written.length - CLIENTS)]!;
              const read = await server.gql<{ namespace: { config: { __typename: string; content?: unknown } } }>(
                CONFIG,
                { ns: 'heavy', path: old.path, at: old.hash },
                VIEWER.token,
              );
              expect(read.errors, brief(read.errors)).toBeUndefined();
              expect(markerOf(read.data.namespace.config.content)).toBe(old.marker);
              reads += 1;
            }
          }),
        );
      });
      log(`  ${writes} writes and ${reads} reads of 1 MiB YAML`);
      expect(writes).toBeGreaterThan(0);
    }, 60_000);
  });
});
