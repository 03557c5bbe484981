import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWs } from '../support/feed-clients.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/** GET /healthz on a connection of its own. */
function healthz(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/healthz`, { agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}

/** `count` commits on main of a namespace's repository with one `git fast-import` (the API takes ~5 ms a commit). */
function importCommits(gitdir: string, count: number): void {
  const commits = Array.from({ length: count }, (_, v) => {
    const text = JSON.stringify({ n: v, items: Array.from({ length: 100 }, (_, k) => ({ k, v: `${v}-${k}` })) });
    const when = `${1_800_000_000 + v} +0000`;
    const message = `commit ${v}\n`;
    return `commit refs/heads/main\nmark :${v + 1}\nauthor Importer <importer@example.com> ${when}\ncommitter Importer <importer@example.com> ${when}\ndata ${Buffer.byteLength(message)}\n${message}${v === 0 ? '' : `from :${v}\n`}M 100644 inline doc${v % 20}.json\ndata ${Buffer.byteLength(text)}\n${text}\n`;
  });
  execFileSync('git', ['--git-dir', gitdir, 'fast-import', '--quiet'], { input: commits.join(''), maxBuffer: 1 << 28 });
}

describe('replays give the event loop its turns', () => {
  let h: Harness;
  const COMMITS = 2_000;
  const SUBSCRIPTIONS = 32;
  // The commits are packed (fast-import), so reading them takes no I/O, and each event is built from documents of
  // 100 values but sent small: many events fit the socket's buffers, and writes complete without an I/O turn until
  // they are full.
  const REPLAY = `subscription($since: String) { changes(namespace: "history", since: $since) { version sequence } }`;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    await h.gql(CREATE_NAMESPACE, { name: 'history' });
    importCommits(path.join(h.dataDir, 'history.git'), COMMITS);
    // The next write catches the index up with the imported commits.
    const head = h.git('history', 'rev-parse', 'main').trim();
    const put = await h.gql<{ putConfig: { __typename: string } }>(
      `mutation($v: String) { putConfig(input: { namespace: "history", path: "last.json", content: {}, expectedVersion: $v }) { __typename } }`,
      { v: head },
    );
    expect(put.data.putConfig.__typename).toBe('WritePayload');
  }, 60_000);

  afterAll(() => h.close());

  it(`/healthz answers within 1 s while ${SUBSCRIPTIONS} subscriptions on one socket replay ${COMMITS.toLocaleString('en')} commits each`, async () => {
    const client = h.ws();
    const replays = Array.from({ length: SUBSCRIPTIONS }, () => recordWs(client, REPLAY, { since: '0'.repeat(40) }));
    // A quarter of each replay shows it (the stalls came from the start); the feed tests check whole replays.
    const watched = COMMITS / 4;
    const waits: number[] = [];
    const deadline = Date.now() + 120_000;
    while (replays.some((r) => r.events.length < watched) && Date.now() < deadline) {
      // Timed from when the probe is due: a busy loop delays sending it as much as answering it.
      const due = performance.now() + 50;
      await new Promise((resolve) => setTimeout(resolve, 50));
      await healthz(h.url);
      waits.push(performance.now() - due);
    }
    for (const replay of replays) {
      expect(replay.failures).toEqual([]);
      const sequences = replay.events.slice(0, watched).map((e) => e.sequence);
      expect(sequences).toEqual(Array.from({ length: watched }, (_, i) => i));
    }
    console.info(`${SUBSCRIPTIONS} replays, ${watched} commits each: /healthz answered ${waits.length} times, slowest ${Math.round(Math.max(...waits))} ms`);
    expect(Math.max(...waits)).toBeLessThan(1_000);
  }, 180_000);
});
