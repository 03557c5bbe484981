import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createClient } from 'graphql-ws';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import WebSocket from 'ws';

describe('unexpected errors', () => {
  let root: string;
  let server: RunningServer;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cairn-unexpected-'));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    server = await startServer(readSettings({ CAIRN_DATA_DIR: path.join(root, 'repos'), CAIRN_PORT: '0', CAIRN_FSYNC: 'false' }), {
      logger: pino({ level: 'info' }, sink),
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const post = async (query: string, requestId: string) => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  };

  it('are masked for the client and logged in full with the request id', async () => {
    await post('mutation { createNamespace(input: { name: "broken" }) { __typename } }', 'setup-1');
    await post('mutation { putConfig(input: { namespace: "broken", path: "a.json", content: { a: 1 }, expectedVersion: null }) { __typename } }', 'setup-2');
    // Damage every loose blob-sized object: reading the document now fails in a way no caller could expect.
    const objects = path.join(root, 'repos', 'broken.git', 'objects');
    for (const dir of readdirSync(objects).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
      for (const file of readdirSync(path.join(objects, dir))) writeFileSync(path.join(objects, dir, file), 'not zlib at all');
    }
    const res = await post(
      '{ namespace(name: "broken") { ... on Namespace { config(path: "a.json") { ... on ConfigDocument { text } } } } }',
      'trace-broken-1',
    );
    expect(res.errors?.[0]?.message).toBe('Unexpected error.');
    expect(res.errors?.[0]?.extensions?.code).toBe('INTERNAL');
    expect(JSON.stringify(res)).not.toMatch(/zlib|incorrect header|stack/i);
    const logged = lines.find((l) => l.requestId === 'trace-broken-1' && l.msg === 'unexpected error');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toMatch(/header check|zlib|incorrect/i);
  });

  it('log a refused graphql-ws operation with a request id of its own, one per operation', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const refusal = (query: string): Promise<unknown> =>
      new Promise((resolve) => {
        client.subscribe({ query }, { next: () => undefined, error: resolve, complete: () => resolve(null) });
      });
    try {
      const errors = await Promise.all([refusal('subscription { noSuchField }'), refusal('subscription { noSuchOtherField }')]);
      expect(errors.every(Array.isArray), JSON.stringify(errors)).toBe(true);
    } finally {
      await client.dispose();
    }
    const logged = lines.filter((l) => l.msg === 'graphql-ws operation error');
    expect(logged).toHaveLength(2);
    const ids = logged.map((l) => l.requestId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(2);
  });
});
