import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedEvent, type Recording, recordSse, recordWs, until } from '../support/feed-clients.js';
import { NamespaceWriter } from '../support/feed-writers.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';

const SINCE = `subscription($ns: String, $since: String) { changes(namespace: $ns, since: $since) { version parentVersion sequence } }`;

type Transport = 'ws' | 'sse';

/** Two writers committing in the background while the subscriber comes and goes. */
function writeInBackground(h: Harness, ns: string, commitsPerWriter: number): { done: Promise<void>; committed: () => number } {
  let committed = 0;
  const writer = async (w: number): Promise<void> => {
    const writer = new NamespaceWriter(h, ns);
    for (let k = 0; k < commitsPerWriter; k += 1) {
      await writer.put(`w${w}.json`, { k });
      committed += 1;
    }
  };
  return { done: Promise.all([writer(0), writer(1)]).then(() => undefined), committed: () => committed };
}

describe('resuming the change feed with since', () => {
  let h: Harness;
  let namespaces = 0;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(() => h.close());

  /** A fresh namespace with one commit to resume from. */
  async function namespaceWithSeed(): Promise<{ ns: string; seed: string }> {
    namespaces += 1;
    const ns = `resume-${namespaces}`;
    await h.gql(CREATE_NAMESPACE, { name: ns });
    return { ns, seed: await new NamespaceWriter(h, ns).put('seed.json', { seed: true }) };
  }

  function subscribe(transport: Transport, ns: string, since: string): { recording: Recording; disconnect: () => Promise<void> } {
    if (transport === 'sse') {
      const recording = recordSse(h.url, SINCE, { ns, since });
      return { recording, disconnect: async () => recording.stop() };
    }
    const client = h.ws();
    const recording = recordWs(client, SINCE, { ns, since });
    // Closing the client closes its socket: events in flight are lost to it, as when a network drops.
    return {
      recording,
      disconnect: async () => {
        await client.dispose();
      },
    };
  }

  /**
   * Subscribes, takes a few dozen events, drops the connection, resumes with since = the last version it got, and
   * so on until the writers are done and it has reached the head; returns everything it received, in order.
   */
  async function comeAndGo(
    transports: readonly Transport[],
    ns: string,
    seed: string,
    writers: { done: Promise<void> },
  ): Promise<{ received: FeedEvent[]; sessions: number }> {
    const received: FeedEvent[] = [];
    let finished = false;
    void writers.done.then(() => {
      finished = true;
    });
    let sessions = 0;
    // Asked only once the writers are done, when the head no longer moves: git is asked once, not on every poll.
    let finalHead: string | undefined;
    const head = (): string => (finalHead ??= h.git(ns, 'rev-parse', 'main').trim());
    for (; ; sessions += 1) {
      const since = received.at(-1)?.version ?? seed;
      const { recording, disconnect } = subscribe(transports[sessions % transports.length]!, ns, since);
      const wanted = 20 + ((sessions * 37) % 60);
      await until(
        () => recording.events.length >= wanted || (finished && recording.events.at(-1)?.version === head()),
        20_000,
        () => `session ${sessions}: ${recording.events.length} events, errors ${JSON.stringify([...recording.errors, ...recording.failures])}`,
      );
      await disconnect();
      expect(recording.errors).toEqual([]);
      received.push(...recording.events);
      if (finished && received.at(-1)?.version === head()) return { received, sessions: sessions + 1 };
    }
  }

  it.each<[string, Transport[]]>([
    ['graphql-ws', ['ws']],
    ['SSE', ['sse']],
    ['graphql-ws and SSE alternately', ['ws', 'sse']],
  ])(
    'over %s: disconnected mid-stream again and again, it misses nothing and sees nothing twice',
    async (_name, transports) => {
      const { ns, seed } = await namespaceWithSeed();
      const writers = writeInBackground(h, ns, 150);
      const { received, sessions } = await comeAndGo(transports, ns, seed, writers);
      const history = h.git(ns, 'rev-list', '--reverse', `${seed}..main`).trim().split('\n');
      expect(history).toHaveLength(300);
      expect(sessions).toBeGreaterThan(3);
      expect(received.map((e) => e.version)).toEqual(history);
      expect(received.map((e) => e.parentVersion)).toEqual([seed, ...history.slice(0, -1)]);
    },
    60_000,
  );

  it('resumes from an older version: replays history, then continues live, with no gap at the switch', async () => {
    const { ns, seed } = await namespaceWithSeed();
    const writer = new NamespaceWriter(h, ns);
    for (let k = 0; k < 40; k += 1) await writer.put('before.json', { k });
    const writers = writeInBackground(h, ns, 40);
    const { recording, disconnect } = subscribe('ws', ns, seed);
    await writers.done;
    const history = h.git(ns, 'rev-list', '--reverse', `${seed}..main`).trim().split('\n');
    await until(
      () => recording.events.length >= history.length,
      20_000,
      () => `${recording.events.length}/${history.length}`,
    );
    await disconnect();
    expect(recording.events.map((e) => e.version)).toEqual(history);
  }, 30_000);

  it('since = forty zeros replays from the first commit, on an empty namespace and on one with history, over both transports', async () => {
    const zeros = '0'.repeat(40);
    namespaces += 1;
    const ns = `resume-${namespaces}`;
    await h.gql(CREATE_NAMESPACE, { name: ns });
    const early = subscribe('ws', ns, zeros);
    const writer = new NamespaceWriter(h, ns);
    for (let k = 0; k < 3; k += 1) await writer.put('a.json', { k });
    const late = subscribe('sse', ns, zeros);
    const history = h.git(ns, 'rev-list', '--reverse', 'main').trim().split('\n');
    for (const { recording, disconnect } of [early, late]) {
      await until(
        () => recording.events.length >= 3,
        10_000,
        () => `${recording.events.length}/3`,
      );
      await disconnect();
      expect(recording.events.map((e) => e.version)).toEqual(history);
      expect(recording.events.map((e) => e.sequence)).toEqual([0, 1, 2]);
    }
  });
});
