import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStoredDocument } from '../../src/domain/document-codec.js';
import type { JsonValue } from '../../src/domain/json-value.js';
import { blameHistory, pointersOf, referenceBlame } from '../support/blame-reference.js';
import { type Harness, startHarness } from '../support/harness.js';
import { importVersions } from '../support/import-versions.js';
import { CREATE_NAMESPACE, DELETE_CONFIG, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { VIEWER } from '../support/tokens.js';

const ADA = { token: 'ada-token-12345', name: 'Ada Admin', email: 'ada@example.com', roles: { '*': 'admin' as const } };

const BLAME = `query($ns: String!, $path: String!, $pointer: String) { namespace(name: $ns) { ... on Namespace {
  blame(path: $path, pointer: $pointer) { __typename ... on Blame { entries { pointer value version { hash } } } ... on Error { code message } }
} } }`;

interface BlameResult {
  __typename: string;
  entries?: { pointer: string; value: JsonValue; version: { hash: string } }[];
  code?: string;
  message?: string;
}

const LEAVES = 20_000;

/**
 * 50 versions of a JSON array of 20,000 numbers: created; every value changed at once (the pairwise walk spent 12 s
 * on that version alone, the server frozen); then 48 versions each changing one value in 48, one of them also
 * inserting values in the middle (shifting the second half) and one appending.
 */
function bigHistory(): number[][] {
  const versions = [Array.from({ length: LEAVES }, (_, i) => i)];
  versions.push(versions[0]!.map((n) => n + 1));
  for (let k = 0; k < 48; k += 1) {
    const next = versions.at(-1)!.map((n, i) => (i % 48 === k ? -(k * 1_000_000 + i) : n));
    if (k === 20) next.splice(LEAVES / 2, 0, 7, 7, 7);
    if (k === 30) next.push(1, 2, 3);
    versions.push(next);
  }
  return versions;
}

/** The objects named, read by one `git cat-file --batch`; undefined for those missing. */
function catFileBatch(gitdir: string, names: readonly string[]): (string | undefined)[] {
  const out = execFileSync('git', ['--git-dir', gitdir, 'cat-file', '--batch'], { input: names.map((n) => `${n}\n`).join(''), maxBuffer: 1 << 28 });
  const texts: (string | undefined)[] = [];
  let at = 0;
  for (const name of names) {
    const header = out.toString('utf8', at, out.indexOf(10, at));
    at += Buffer.byteLength(header) + 1;
    if (header === `${name} missing`) {
      texts.push(undefined);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    texts.push(out.toString('utf8', at, at + size));
    at += size + 1;
  }
  return texts;
}

/** GET /healthz on a connection of its own: a keep-alive connection closed by the server as a probe is sent would fail the probe for a reason that is not this test's. */
function healthz(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

/** Runs `work` while a probe asks /healthz every 50 ms; the longest time between two answers (or the start and one). */
async function whileProbing<T>(url: string, work: () => Promise<T>): Promise<{ result: T; worstGapMs: number; elapsedMs: number }> {
  let running = true;
  let last = performance.now();
  let worstGapMs = 0;
  const probe = (async () => {
    while (running) {
      expect(await healthz(url)).toBe(200);
      const now = performance.now();
      worstGapMs = Math.max(worstGapMs, now - last);
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const started = performance.now();
  try {
    const result = await work();
    return { result, worstGapMs: Math.max(worstGapMs, performance.now() - last), elapsedMs: performance.now() - started };
  } finally {
    running = false;
    await probe;
  }
}

describe('blame at scale', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADA, VIEWER] });
  });
  afterAll(() => h.close());

  const blame = async (ns: string, path: string, pointer?: string): Promise<BlameResult> =>
    (await h.gql<{ namespace: { blame: BlameResult } }>(BLAME, { ns, path, pointer }, VIEWER.token)).data.namespace.blame;

  /** `exists`: whether the document is there to be replaced (expectedVersion HEAD) or must not be yet. */
  const put = async (ns: string, path: string, content: JsonValue, exists: boolean): Promise<void> => {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: ns, path, content, comment: 'edit', expectedVersion: exists ? 'HEAD' : null },
    });
    expect(['COMMITTED', 'UNCHANGED'], JSON.stringify(res)).toContain(res.data.putConfig.status);
  };

  /** Main's versions oldest first, each with the document as the git CLI reads it (undefined where it is absent). */
  const versionsOf = (ns: string, path: string): { hash: string; value: JsonValue | undefined }[] => {
    const hashes = h.git(ns, 'rev-list', '--reverse', '--first-parent', 'main').trim().split('\n');
    const texts = catFileBatch(
      join(h.dataDir, `${ns}.git`),
      hashes.map((hash) => `${hash}:${path}`),
    );
    return hashes.map((hash, i) => ({ hash, value: texts[i] === undefined ? undefined : parseStoredDocument(path, texts[i]) }));
  };

  describe('a 20,000-leaf document changed in 50 versions', () => {
    beforeAll(async () => {
      await h.gql(CREATE_NAMESPACE, { name: 'big' });
      // Written as Cairn writes JSON: one value per line.
      importVersions(
        join(h.dataDir, 'big.git'),
        'big.json',
        bigHistory().map((version) => `${JSON.stringify(version, null, 2)}\n`),
      );
      // A write catches the server's index up with the commits made outside it.
      await put('big', 'other.json', { x: 1 }, false);
    });

    it('answers every leaf with the newest version that changed its value, as a walk over `git show` of each version finds it', async () => {
      const result = await blame('big', 'big.json');
      expect(result.__typename).toBe('Blame');
      const versions = versionsOf('big', 'big.json');
      expect(h.git('big', 'rev-list', '--count', 'main', '--', 'big.json').trim()).toBe('50');
      const head = versions.at(-1)!.value as number[];
      expect(result.entries!.map((e) => e.pointer)).toEqual(head.map((_, i) => `/${i}`));
      expect(result.entries!.map((e) => e.value)).toEqual(head);
      // An array of numbers: a leaf is set by the newest version where the number at its index differs.
      const expected = head.map(
        (_, i) => versions.findLast((v, k) => (v.value as number[] | undefined)?.[i] !== (versions[k - 1]?.value as number[] | undefined)?.[i])!.hash,
      );
      const wrong = result.entries!.filter((e, i) => e.version.hash !== expected[i]);
      expect(wrong.slice(0, 5)).toEqual([]);
      // The 48 versions after the second changed every index between them: the first two set nothing left.
      expect(new Set(result.entries!.map((e) => e.version.hash)).size).toBe(48);
    });

    it('keeps /healthz answering while it runs: no probe waits a second (the pairwise walk froze it for 12 s)', async () => {
      const { result: results, worstGapMs, elapsedMs } = await whileProbing(h.url, () => Promise.all([blame('big', 'big.json'), blame('big', 'big.json')]));
      expect(results.map((r) => r.entries?.length)).toEqual([LEAVES + 6, LEAVES + 6]);
      // The server runs in this process: a blocked event loop delays the probe's timer and its answer alike.
      expect(worstGapMs, `two blames took ${elapsedMs.toFixed(0)} ms`).toBeLessThan(1_000);
    });
  });

  it('refuses a 1 MiB document of 500,000 leaves with TooExpensive (a 132 MB answer held the server 10 s), and blames a subtree of it', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'huge' });
    importVersions(join(h.dataDir, 'huge.git'), 'huge.json', [JSON.stringify({ few: [1, 2], many: Array.from({ length: 500_000 }, () => 0) })]);
    await put('huge', 'other.json', { x: 1 }, false);
    const { result, worstGapMs } = await whileProbing(h.url, () => blame('huge', 'huge.json'));
    expect(result).toMatchObject({ __typename: 'TooExpensive', code: 'TOO_EXPENSIVE', message: expect.stringContaining('(limit CAIRN_MAX_BLAME_ENTRIES)') });
    expect(worstGapMs).toBeLessThan(1_000);
    expect((await blame('huge', 'huge.json', '/few')).entries?.map((e) => [e.pointer, e.value])).toEqual([
      ['/few/0', 1],
      ['/few/1', 2],
    ]);
  });

  it('agrees with the pairwise walk on generated histories written through the API and read back with git', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(blameHistory, fc.nat(), fc.boolean(), async (history, pick, yaml) => {
        run += 1;
        const ns = `gen-${run}`;
        const path = yaml ? 'doc.yaml' : 'doc.json';
        await h.gql(CREATE_NAMESPACE, { name: ns });
        let exists = false;
        for (const version of history) {
          if (version !== undefined) await put(ns, path, version, exists);
          else if (exists) {
            const res = await h.gql<{ deleteConfig: WriteResult }>(DELETE_CONFIG, { input: { namespace: ns, path, expectedVersion: 'HEAD' } });
            expect(res.data.deleteConfig.status).toBe('COMMITTED');
          }
          exists = version !== undefined;
        }
        const versions = versionsOf(ns, path);
        const pointers = pointersOf(versions.at(-1)!.value!);
        const pointer = pointers[pick % pointers.length]!;
        const expected = referenceBlame(
          versions.map((v) => v.value),
          pointer,
        ).map((e) => ({ pointer: e.pointer, value: e.value, version: { hash: versions[e.version]!.hash } }));
        expect(await blame(ns, path, pointer)).toEqual({ __typename: 'Blame', entries: expected });
      }),
      { numRuns: 15 },
    );
  });
});
