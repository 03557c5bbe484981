import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from '../../src/domain/document-codec.js';
import { cachedValueBuilt } from '../../src/services/document-parser.js';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE } from '../support/operations.js';

/** Asks nothing of the change: a payload's structured diff would build the document's value. */
const PUT = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ... on WritePayload { version { hash } } } }`;

const READ = `query($path: String!) { namespace(name: "big") { ... on Namespace {
  config(path: $path) { ... on ConfigDocument { blob content } } } } }`;
const READ_TWO = `query { namespace(name: "big") { ... on Namespace {
  a: config(path: "big.yaml") { ... on ConfigDocument { content } }
  b: config(path: "small.json") { ... on ConfigDocument { content } }
  c: config(path: "big.yaml") { ... on ConfigDocument { text } } } } }`;

/** Large enough to be parsed on a worker (over 16 KiB of YAML), with strings that look like what the splice uses. */
function bigYaml(variant: number): string {
  return Array.from(
    { length: 2_000 },
    (_, i) => `key-${i}:\n  name: "service ☃ ${i} \\0 \\u0000x:0"\n  replicas: ${(i + variant) % 7}\n  tags: [a, b, {c: ~}]\n`,
  ).join('');
}

/** Large, and ASCII only: its JSON text is written as it is, byte for byte. */
const ASCII_JSON = `${JSON.stringify(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`key-${i}`, { name: `service ${i}`, on: i % 2 === 0 }])), null, 1)}\n`;

interface Read {
  namespace: { config: { blob: string; content: unknown } };
}

/**
 * A large document's parsed content is written into an HTTP response from the JSON text its worker wrote: building its
 * value and serializing it again was most of a read's time. The answer must be the value, exactly, wherever it is read.
 */
describe('content served from its JSON text', () => {
  let h: Harness;
  let head: string | null = null;
  const text = bigYaml(1);
  const value = parseDocument('big.yaml', text);

  const put = async (path: string, body: string, expectedVersion: string | null): Promise<string> => {
    const res = await h.gql<{ putConfig: { version: { hash: string } } }>(PUT, { input: { namespace: 'big', path, text: body, expectedVersion } });
    return res.data.putConfig.version.hash;
  };

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_PARSE_THREADS: '1' } });
    await h.gql(CREATE_NAMESPACE, { name: 'big' });
    for (const [path, body] of [
      ['big.yaml', text],
      ['small.json', '{"small": true}\n'],
      ['ascii.json', ASCII_JSON],
    ] as const) {
      head = await put(path, body, head);
    }
  });
  afterAll(() => h.close());

  it('answers the value over HTTP without building it', async () => {
    const read = await h.gql<Read>(READ, { path: 'big.yaml' });
    expect(read.data.namespace.config.content).toEqual(value);
    expect(cachedValueBuilt('big.yaml', read.data.namespace.config.blob)).toBe(false);
  });

  it('splices each document where it belongs, beside values and texts', async () => {
    const read = await h.gql<{ namespace: Record<string, { content?: unknown; text?: string }> }>(READ_TWO);
    expect(read.data.namespace.a!.content).toEqual(value);
    expect(read.data.namespace.b!.content).toEqual({ small: true });
    expect(read.data.namespace.c!.text).toBe(text);
  });

  it('answers each operation of a batch with its own documents', async () => {
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { query: READ, variables: { path: 'small.json' } },
        { query: READ, variables: { path: 'big.yaml' } },
      ]),
    });
    const [small, big] = (await res.json()) as { data: Read }[];
    expect(small!.data.namespace.config.content).toEqual({ small: true });
    expect(big!.data.namespace.config.content).toEqual(value);
  });

  it('splices a document into each operation of a batch that reads one, with the length of what it sends', async () => {
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { query: READ, variables: { path: 'big.yaml' } },
        { query: READ, variables: { path: 'ascii.json' } },
        { query: READ, variables: { path: 'big.yaml' } },
      ]),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json; charset=utf-8$/);
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    const [first, ascii, again] = JSON.parse(bytes.toString('utf8')) as { data: Read }[];
    expect(first!.data.namespace.config.content).toEqual(value);
    expect(ascii!.data.namespace.config.content).toEqual(JSON.parse(ASCII_JSON));
    expect(again!.data.namespace.config.content).toEqual(value);
  });

  it('builds the value over a WebSocket, where graphql-ws writes the message', async () => {
    const client = h.ws();
    const result = await new Promise<unknown>((resolve, reject) => {
      let data: unknown;
      client.subscribe({ query: READ, variables: { path: 'big.yaml' } }, { next: (r) => (data = r.data), error: reject, complete: () => resolve(data) });
    });
    expect((result as Read).namespace.config.content).toEqual(value);
  });

  it('reads a document committed from outside, never parsed before, from its worker JSON text too', async () => {
    const outside = bigYaml(2);
    const git = (args: string[], input?: string): string =>
      execFileSync('git', ['--git-dir', `${h.dataDir}/big.git`, ...args], {
        input,
        encoding: 'utf8',
        env: { ...process.env, GIT_AUTHOR_NAME: 'O', GIT_AUTHOR_EMAIL: 'o@example.com', GIT_COMMITTER_NAME: 'O', GIT_COMMITTER_EMAIL: 'o@example.com' },
      }).trim();
    const blob = git(['hash-object', '-w', '--stdin'], outside);
    const listing = git(['ls-tree', 'main'])
      .split('\n')
      .filter((line) => !line.endsWith('\toutside.yaml'));
    const tree = git(['mktree'], `${[...listing, `100644 blob ${blob}\toutside.yaml`].join('\n')}\n`);
    const commit = git(['commit-tree', tree, '-p', head!, '-m', 'from outside']);
    git(['update-ref', 'refs/heads/main', commit, head!]);
    // The next write makes the server catch up with a commit made outside it.
    await put('sync.json', '{}\n', null);
    const read = await h.gql<Read>(READ, { path: 'outside.yaml' });
    expect(read.data.namespace.config.content).toEqual(parseDocument('outside.yaml', outside));
    expect(cachedValueBuilt('outside.yaml', blob)).toBe(false);
  });
});
