import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedEvent, type GraphQLErrorJson, type Recording, recordSse, recordWs, until } from '../support/feed-clients.js';
import { NamespaceWriter } from '../support/feed-writers.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';

const CONTENTS = `subscription($ns: String, $since: String) {
  changes(namespace: $ns, since: $since) {
    version parentVersion action operator { email } time comment
    documents { path status changes { pointer op oldValue newValue } patch oldContent newContent tooLarge }
  }
}`;

/** Per document, above this many bytes of changes, patch and contents an event says tooLarge (set small here). */
const CAP = 4096;

type Transport = 'graphql-ws' | 'SSE';

describe('change events: content, size cap, since errors, gaps', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_FEED_MAX_DOCUMENT_EVENT_BYTES: String(CAP) } });
    for (const name of ['errors', 'other', 'outside']) await h.gql(CREATE_NAMESPACE, { name });
  });

  let created = 0;
  async function freshNamespace(): Promise<string> {
    created += 1;
    const name = `fresh-${created}`;
    await h.gql(CREATE_NAMESPACE, { name });
    return name;
  }

  afterAll(() => h.close());

  function record(transport: Transport, variables: Record<string, unknown>): Recording {
    return transport === 'SSE' ? recordSse(h.url, CONTENTS, variables) : recordWs(h.ws(), CONTENTS, variables);
  }

  async function eventsAfter(transport: Transport, ns: string, since: string, count: number): Promise<FeedEvent[]> {
    const recording = record(transport, { ns, since });
    await until(
      () => recording.events.length >= count,
      10_000,
      () => `${recording.events.length}/${count} events, errors ${JSON.stringify(recording.errors)}`,
    );
    recording.stop();
    return recording.events;
  }

  it.each<Transport>(['graphql-ws', 'SSE'])(
    'over %s, each document carries its whole old and new content, the changes and the RFC 6902 patch',
    async (transport) => {
      const ns = await freshNamespace();
      const writer = new NamespaceWriter(h, ns);
      const base = await writer.put('base.json', { base: true });
      const added = await writer.putText('app.yaml', 'replicas: 2\nimage: api:1.0\n');
      const updated = await writer.put('app.yaml', { replicas: 3, image: 'api:1.0' });
      const deleted = await writer.remove('app.yaml');
      const events = await eventsAfter(transport, ns, base, 3);
      expect(events.map((e) => e.version)).toEqual([added, updated, deleted]);
      expect(events.map((e) => e.parentVersion)).toEqual([base, added, updated]);
      expect(events.map((e) => e.action)).toEqual(['CREATE', 'UPDATE', 'DELETE']);
      expect(events[0]!.documents).toEqual([
        {
          path: 'app.yaml',
          status: 'ADDED',
          changes: [{ pointer: '', op: 'ADD', oldValue: null, newValue: { replicas: 2, image: 'api:1.0' } }],
          patch: [{ op: 'add', path: '', value: { replicas: 2, image: 'api:1.0' } }],
          oldContent: null,
          newContent: { replicas: 2, image: 'api:1.0' },
          tooLarge: false,
        },
      ]);
      expect(events[1]!.documents).toEqual([
        {
          path: 'app.yaml',
          status: 'MODIFIED',
          changes: [{ pointer: '/replicas', op: 'REPLACE', oldValue: 2, newValue: 3 }],
          patch: [{ op: 'replace', path: '/replicas', value: 3 }],
          oldContent: { replicas: 2, image: 'api:1.0' },
          newContent: { replicas: 3, image: 'api:1.0' },
          tooLarge: false,
        },
      ]);
      expect(events[2]!.documents).toMatchObject([
        { path: 'app.yaml', status: 'DELETED', oldContent: { replicas: 3, image: 'api:1.0' }, newContent: null, tooLarge: false },
      ]);
      expect(events[2]).toMatchObject({ operator: { email: 'dev@localhost' } });
    },
  );

  it.each<Transport>(['graphql-ws', 'SSE'])(
    'over %s, a document over the size cap still produces its event, flagged tooLarge, with the other documents in full',
    async (transport) => {
      const ns = await freshNamespace();
      const writer = new NamespaceWriter(h, ns);
      // Each content alone is under the cap; both together are over it.
      const big = { blob: 'x'.repeat(CAP * 0.6), n: 1 };
      const base = await writer.apply([
        { path: 'big.json', content: big },
        { path: 'small.json', content: { n: 1 } },
      ]);
      // The change is one number; the contents (twice the document) are what crosses the cap.
      const changed = await writer.apply([
        { path: 'big.json', content: { ...big, n: 2 } },
        { path: 'small.json', content: { n: 2 } },
      ]);
      const [event] = await eventsAfter(transport, ns, base, 1);
      expect(event!.version).toBe(changed);
      expect(event!.documents).toEqual([
        { path: 'big.json', status: 'MODIFIED', changes: [], patch: [], oldContent: null, newContent: null, tooLarge: true },
        {
          path: 'small.json',
          status: 'MODIFIED',
          changes: [{ pointer: '/n', op: 'REPLACE', oldValue: 1, newValue: 2 }],
          patch: [{ op: 'replace', path: '/n', value: 2 }],
          oldContent: { n: 1 },
          newContent: { n: 2 },
          tooLarge: false,
        },
      ]);
    },
  );

  describe('a since that names no version of the namespace is a typed error, never a silent gap', () => {
    let head: string;
    let elsewhere: string;
    let offMain: string;

    beforeAll(async () => {
      head = await new NamespaceWriter(h, 'errors').put('a.json', { a: 1 });
      elsewhere = await new NamespaceWriter(h, 'other').put('b.json', { b: 1 });
      // A commit that exists in the repository but is not in main's history.
      const tree = h.git('errors', 'rev-parse', `${head}^{tree}`).trim();
      offMain = h.git('errors', 'commit-tree', tree, '-p', head, '-m', 'not on main').trim();
    });

    const cases = (): [string, string, string][] => [
      ['an unknown hash', 'deadbeefdeadbeef', 'unknown'],
      ['a version of another namespace', elsewhere, 'unknown'],
      ['a commit that is not in main\u2019s history', offMain, 'unknown'],
      ['a version before the first', 'HEAD~5', 'unknown'],
      ['a malformed reference', '../../etc', 'malformed'],
    ];

    it.each<Transport>(['graphql-ws', 'SSE'])('over %s: INVALID_REF with the argument, reference and reason, then the stream completes', async (transport) => {
      for (const [what, since, reason] of cases()) {
        const recording = record(transport, { ns: 'errors', since });
        await until(
          () => recording.completed,
          5_000,
          () => `${what}: no completion, ${JSON.stringify(recording)}`,
        );
        expect(recording.events, what).toEqual([]);
        expect(recording.errors, what).toEqual([
          {
            message: expect.stringContaining(
              `since: ${reason} version reference '${since}': it must name a version in the history of namespace 'errors'`,
            ) as string,
            path: ['changes'],
            extensions: expect.objectContaining({ code: 'INVALID_REF', argument: 'since', ref: since, reason, namespace: 'errors' }) as Record<string, unknown>,
          } as GraphQLErrorJson,
        ]);
      }
    });

    it('over SSE the response status is 400', async () => {
      const res = await fetch(`${h.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: CONTENTS, variables: { ns: 'errors', since: 'deadbeefdeadbeef' } }),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('"code":"INVALID_REF"');
    });

    it.each<Transport>(['graphql-ws', 'SSE'])('over %s: since without a namespace is INVALID_INPUT', async (transport) => {
      const recording = record(transport, { since: head });
      await until(
        () => recording.completed,
        5_000,
        () => JSON.stringify(recording),
      );
      expect(recording.errors).toMatchObject([{ message: 'since needs a namespace', extensions: { code: 'INVALID_INPUT' } }]);
    });

    it('a valid since given as a short hash or a relative reference works', async () => {
      const writer = new NamespaceWriter(h, 'errors');
      const next = await writer.put('c.json', { c: 1 });
      for (const since of [head.slice(0, 8), 'HEAD~1']) {
        expect((await eventsAfter('graphql-ws', 'errors', since, 1)).map((e) => e.version)).toEqual([next]);
      }
    });
  });

  it('commits that never reached the feed (made outside Cairn) are replayed before the next live event', async () => {
    const writer = new NamespaceWriter(h, 'outside');
    await writer.put('cairn.json', { n: 0 });
    const recording = recordWs(h.ws(), CONTENTS, { ns: 'outside' });
    await until(
      () => h.server.cairn.feed.liveSubscriptions > 0,
      5_000,
      () => 'not live',
    );
    const outside = commitWithGitCli(path.join(h.dataDir, 'outside.git'), 'cli.json', '{"from":"git"}\n');
    const next = await writer.put('cairn.json', { n: 1 });
    await until(
      () => recording.events.length >= 2,
      10_000,
      () => `${recording.events.length} events`,
    );
    recording.stop();
    expect(recording.events.map((e) => e.version)).toEqual([outside, next]);
    expect(recording.events[0]!.documents).toMatchObject([{ path: 'cli.json', status: 'ADDED', newContent: { from: 'git' } }]);
    expect(recording.events[1]!.parentVersion).toBe(outside);
  });
});

/** A commit on main made with the git CLI alone (plumbing, as in a bare repository), moving the ref like `git push` would. */
function commitWithGitCli(gitDir: string, file: string, content: string): string {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Git CLI',
    GIT_AUTHOR_EMAIL: 'cli@example.com',
    GIT_COMMITTER_NAME: 'Git CLI',
    GIT_COMMITTER_EMAIL: 'cli@example.com',
    GIT_INDEX_FILE: path.join(gitDir, 'cli-index'),
  };
  const git = (args: string[], input?: string): string => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', env, input }).trim();
  const parent = git(['rev-parse', 'main']);
  git(['read-tree', parent]);
  const blob = git(['hash-object', '-w', '--stdin'], content);
  git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`]);
  const commit = git(['commit-tree', git(['write-tree']), '-p', parent, '-m', 'from the git CLI']);
  git(['update-ref', 'refs/heads/main', commit, parent]);
  return commit;
}
