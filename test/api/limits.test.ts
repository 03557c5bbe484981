import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Harness, collect, startHarness } from '../support/harness.js';
import { ADMIN } from '../support/tokens.js';

function nested(depth: number): string {
  let selection = 'hash';
  for (let i = 0; i < depth; i += 1) selection = `parent { ${selection} }`;
  return `{ namespace(name: "lim") { ... on Namespace { head { ${selection} } } } }`;
}

describe('GraphQL limits, over HTTP and WebSocket alike', () => {
  let h: Harness;
  let closed: Harness;

  beforeAll(async () => {
    h = await startHarness({ transport: 'http', tokens: [ADMIN] });
    closed = await startHarness({ transport: 'http', tokens: [ADMIN], env: { CAIRN_INTROSPECTION: 'false', NODE_ENV: 'production' } });
    await h.gql('mutation { createNamespace(input: { name: "lim" }) { __typename } }');
  });

  afterAll(async () => {
    await h.close();
    await closed.close();
  });

  /** GraphQL over HTTP: with the graphql-response media type a refused request is a 4xx without data. */
  const refusedOverHttp = async (harness: Harness, query: string): Promise<string> => {
    const res = await fetch(`${harness.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${ADMIN.token}` },
      body: JSON.stringify({ query }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
    expect(body.data ?? null).toBeNull();
    return body.errors?.map((e) => `${e.extensions?.code}: ${e.message}`).join('\n') ?? '';
  };

  it('accepts ordinary queries and refuses depth over 10, more than 15 aliases, and costly pages', async () => {
    expect((await h.gql(nested(3))).errors).toBeUndefined();
    expect(await refusedOverHttp(h, nested(12))).toMatch(/GRAPHQL_VALIDATION_FAILED: .*[Dd]epth/);
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: namespaces { edges { cursor } }`).join(' ');
    expect(await refusedOverHttp(h, `{ ${aliases} }`)).toMatch(/[Aa]liases/);
    expect(
      await refusedOverHttp(
        h,
        '{ namespace(name: "lim") { ... on Namespace { versions(first: 500) { edges { node { hash diff { path changes { pointer oldValue newValue } } } } } } } }',
      ),
    ).toMatch(/Cost/);
    const directives = Array.from({ length: 51 }, () => '@include(if: true)').join(' ');
    expect(await refusedOverHttp(h, `{ __typename ${directives} }`)).toMatch(/[Dd]irectives/);
    const tokens = Array.from({ length: 2100 }, () => '__typename').join(' ');
    expect(await refusedOverHttp(h, `{ ${tokens} }`)).toMatch(/[Tt]oken/);
  });

  it('applies the same limits to subscriptions over WebSocket', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: changes(namespace: "lim") { version }`).join(' ');
    const sub = collect(h.ws(), `subscription { ${aliases} }`, {}, 1, 5_000);
    await expect(sub.done).rejects.toThrow(/[Aa]liases|subscription/i);
  });

  it('caps batches at 10 operations and bodies at 16 MiB', async () => {
    const post = (body: string) =>
      fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN.token}` }, body });
    const ten = await post(JSON.stringify(Array.from({ length: 10 }, () => ({ query: '{ __typename }' }))));
    expect(ten.status).toBe(200);
    expect(((await ten.json()) as unknown[]).length).toBe(10);
    expect((await post(JSON.stringify(Array.from({ length: 11 }, () => ({ query: '{ __typename }' }))))).status).toBeGreaterThanOrEqual(400);
    const huge = await post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(50 * 1024 * 1024) } })).catch((e: Error) => e);
    if (!(huge instanceof Error)) expect(huge.status).toBe(413);
    expect((await h.gql('{ __typename }')).status).toBe(200);
  });

  it('refuses a browser GET without the CSRF header, and WebSocket upgrades from other origins', async () => {
    const url = `${h.url}/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const bare = await fetch(url, { headers: { authorization: `Bearer ${ADMIN.token}` } });
    expect(bare.status).toBe(403);
    const withHeader = await fetch(url, { headers: { authorization: `Bearer ${ADMIN.token}`, 'x-graphql-yoga-csrf': '1', accept: 'application/json' } });
    expect(withHeader.status).toBe(200);
    const preflight = await fetch(`${h.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const open = (origin?: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`${h.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', origin ? { origin } : {});
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
        socket.on('error', () => resolve('error'));
      });
    expect(await open('https://evil.example')).toMatch(/refused|error/);
    expect(await open(h.url)).toBe('open');
    expect(await open()).toBe('open');
  });

  it('closes a WebSocket that never sends connection_init', async () => {
    const code = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${h.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      socket.on('close', (c) => resolve(c));
    });
    expect(code).toBe(4408);
  }, 15_000);

  it('can turn introspection off, and hides field suggestions in production', async () => {
    expect((await h.gql('{ __schema { queryType { name } } }')).errors).toBeUndefined();
    expect(await refusedOverHttp(closed, '{ __schema { queryType { name } } }')).toMatch(/introspection/i);
    const suggestion = await closed.gql('{ namespacez { edges { cursor } } }');
    expect(JSON.stringify(suggestion.errors)).not.toMatch(/Did you mean/);
    const helpful = await h.gql('{ namespacez { edges { cursor } } }');
    expect(JSON.stringify(helpful.errors)).toMatch(/Did you mean/);
  });
});
