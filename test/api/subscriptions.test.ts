import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, collect, startHarness } from '../support/harness.js';
import { CHANGES_SUBSCRIPTION, CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

interface Event {
  changes: {
    id: string;
    version: string;
    parentVersion: string | null;
    sequence: number;
    action: string;
    operator: { email: string };
    documents: { path: string; status: string; changes: unknown[]; patch: unknown[] }[];
  };
}

describe('the change feed over graphql-ws and SSE', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    await h.gql(CREATE_NAMESPACE, { name: 'feed' });
  });

  afterAll(() => h.close());

  let counter = 0;
  let head: string | null = null;
  const written = new Set<string>();
  const write = async (path = 'live.json'): Promise<string> => {
    counter += 1;
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'feed', path, content: { n: counter }, expectedVersion: written.has(path) ? head : null },
    });
    expect(res.data.putConfig.status).toBe('COMMITTED');
    written.add(path);
    head = res.data.putConfig.version!.hash;
    return head;
  };

  it('delivers one event per commit live, with value changes and a patch', async () => {
    await write();
    const sub = collect<Event>(h.ws(), CHANGES_SUBSCRIPTION, { ns: 'feed' }, 2);
    await new Promise((r) => setTimeout(r, 200));
    const a = await write();
    const b = await write('other.yaml');
    const events = await sub.done;
    expect(events.map((e) => e.changes.version)).toEqual([a, b]);
    expect(events[0]!.changes.documents).toEqual([
      {
        path: 'live.json',
        status: 'MODIFIED',
        changes: [{ pointer: '/n', op: 'REPLACE', oldValue: counter - 2, newValue: counter - 1 }],
        patch: [{ op: 'replace', path: '/n', value: counter - 1 }],
        tooLarge: false,
      },
    ]);
    expect(events[1]!.changes.documents[0]!.status).toBe('ADDED');
    expect(events[0]!.changes.operator.email).toBe('ada@example.com');
    expect(events[0]!.changes.action).toBe('UPDATE');
  });

  it('replays from `since` while writes continue, then goes live: exactly git log order, no gap, no duplicate', async () => {
    const since = await write();
    for (let i = 0; i < 5; i += 1) await write();
    const total = 5 + 20;
    const sub = collect<Event>(h.ws(), CHANGES_SUBSCRIPTION, { ns: 'feed', since }, total, 30_000);
    for (let i = 0; i < 20; i += 1) await write(i % 2 ? 'live.json' : 'other.yaml');
    const events = await sub.done;
    const expected = h.git('feed', 'rev-list', '--reverse', `${since}..HEAD`).trim().split('\n');
    expect(events.map((e) => e.changes.version)).toEqual(expected);
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.changes.parentVersion).toBe(events[i - 1]!.changes.version);
  });

  it('filters by path prefix', async () => {
    const sub = collect<Event>(h.ws(), CHANGES_SUBSCRIPTION, { ns: 'feed', prefix: 'other' }, 1);
    await new Promise((r) => setTimeout(r, 200));
    await write('live.json');
    const wanted = await write('other.yaml');
    expect((await sub.done).map((e) => e.changes.version)).toEqual([wanted]);
  });

  it('answers an unknown `since` with a typed error instead of a silent gap', async () => {
    const sub = collect<Event>(h.ws(), CHANGES_SUBSCRIPTION, { ns: 'feed', since: 'deadbeefdeadbeef' }, 1);
    await expect(sub.done).rejects.toThrow(/INVALID_REF|unknown/);
  });

  it('streams the same events over SSE', async () => {
    const since = await write();
    const later = [await write(), await write()];
    const controller = new AbortController();
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${ADMIN.token}` },
      body: JSON.stringify({ query: CHANGES_SUBSCRIPTION, variables: { ns: 'feed', since } }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const versions: string[] = [];
    while (versions.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const data = frame.split('\n').find((l) => l.startsWith('data:'));
        if (data && frame.includes('event: next')) versions.push((JSON.parse(data.slice(5)) as { data: Event }).data.changes.version);
      }
    }
    controller.abort();
    expect(versions).toEqual(later);
  });
});
