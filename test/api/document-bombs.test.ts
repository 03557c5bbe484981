import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/**
 * Nesting and alias bombs through a real server (issue 12, finding 3): each is refused with a typed error that
 * says which limit and where, in well under the seconds (up to half a minute) they used to hold the event loop,
 * and nothing is committed. Bounds are generous for a loaded machine: the refusals take tens of milliseconds.
 */
const NS = 'bombs';
const MIB = 1024 * 1024;
const REFUSAL_MS = 2000;

const CONFIG = `query($ns: String!, $path: String!) { namespace(name: $ns) { ... on Namespace {
  config(path: $path) { __typename ... on ConfigDocument { text content } } } } }`;

interface WriteResult {
  readonly __typename: string;
  readonly code?: string;
  readonly message?: string;
  readonly detail?: string;
  readonly line?: number | null;
  readonly column?: number | null;
}

interface RawAnswer {
  readonly status: number;
  readonly body: { data?: { putConfig?: WriteResult }; errors?: { message: string; extensions?: { code?: string } }[] };
}

/** Nine anchors of 1,000 scalars, each used 99 times: 41 KB that expanded to ~900,000 values. */
function wideAliases(): string {
  const lines: string[] = [];
  for (let i = 0; i < 9; i += 1) lines.push(`a${i}: &a${i} [${Array(1000).fill('lol').join(',')}]`);
  lines.push(`all: [${Array.from({ length: 9 }, (_, i) => Array(99).fill(`*a${i}`).join(',')).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

function billionLaughs(): string {
  const lines = [`l0: &l0 [${Array(9).fill('"lol"').join(', ')}]`];
  for (let level = 1; level < 12; level += 1)
    lines.push(
      `l${level}: &l${level} [${Array(9)
        .fill(`*l${level - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('document bombs through a real server', () => {
  let h: Harness;
  const head = (): string => h.git(NS, 'rev-parse', 'HEAD').trim();
  /** The git CLI on the namespace's repository, with input on stdin. */
  const git = (args: string[], input = ''): string =>
    execFileSync('git', ['--git-dir', path.join(h.dataDir, `${NS}.git`), ...args], {
      input,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Git CLI',
        GIT_AUTHOR_EMAIL: 'cli@example.com',
        GIT_COMMITTER_NAME: 'Git CLI',
        GIT_COMMITTER_EMAIL: 'cli@example.com',
      },
    }).trim();

  async function put(path: string, text: string): Promise<WriteResult> {
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: NS, path, text, expectedVersion: head() } });
    return res.data.putConfig;
  }

  /** A write with `content` spelled out by hand: JSON.stringify of these values would overflow the test's own stack. */
  async function putContent(path: string, content: string): Promise<RawAnswer> {
    const body = `{"query":${JSON.stringify(PUT_CONFIG)},"variables":{"input":{"namespace":"${NS}","path":"${path}","expectedVersion":"${head()}","content":${content}}}}`;
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN.token}` },
      body,
    });
    return { status: res.status, body: (await res.json()) as RawAnswer['body'] };
  }

  /** Runs a refused attempt: nothing may move, and the answer must come within `bound` ms. */
  async function refused<T>(label: string, attempt: () => Promise<T>, bound = REFUSAL_MS): Promise<T> {
    const before = h.git(NS, 'for-each-ref', '--format=%(refname) %(objectname)');
    const started = performance.now();
    const result = await attempt();
    const ms = performance.now() - started;
    expect(ms, `${label} took ${Math.round(ms)} ms`).toBeLessThan(bound);
    expect(h.git(NS, 'for-each-ref', '--format=%(refname) %(objectname)'), label).toBe(before);
    return result;
  }

  async function expectInvalidDocument(path: string, text: string, detail: RegExp, line: number, column: number): Promise<void> {
    const result = await refused(path, () => put(path, text));
    expect(result, path).toMatchObject({ __typename: 'InvalidDocument', line, column });
    expect(result.detail, path).toMatch(detail);
  }

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN] });
    await h.gql(CREATE_NAMESPACE, { name: NS });
    // A first large YAML write starts the parser threads, so that no refusal below pays for their start.
    const warm = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: NS, path: 'warm.yaml', text: `${Array.from({ length: 2000 }, (_, i) => `key${i}: value ${i}`).join('\n')}\n`, expectedVersion: null },
    });
    expect(warm.data.putConfig.__typename).toBe('WritePayload');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('refuses YAML nesting bombs given as text: flow, block, flow maps and indentation', async () => {
    const deep = /^nesting is deeper than 256 levels$/;
    await expectInvalidDocument('flow.yaml', `${'['.repeat(MIB / 2)}${']'.repeat(MIB / 2)}`, deep, 1, 257);
    await expectInvalidDocument('block.yaml', `${'- '.repeat(MIB / 2 - 1)}x`, deep, 1, 513);
    await expectInvalidDocument('maps.yaml', `${'{a: '.repeat(MIB / 8)}1${'}'.repeat(MIB / 8)}`, deep, 1, 256 * 4 + 1);
    await expectInvalidDocument('indented.yaml', `${Array.from({ length: 1400 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} x\n`, deep, 257, 257);
  });

  it('refuses YAML alias and merge-key bombs given as text, naming the limit and the alias that passes it', async () => {
    await expectInvalidDocument(
      'laughs.yaml',
      billionLaughs(),
      /^aliases expand the document to more than 1000 values \(10× the 22 values/,
      4,
      'l3: &l3 ['.length + 1,
    );
    await expectInvalidDocument(
      'wide.yaml',
      wideAliases(),
      /^aliases expand the document to more than 90110 values \(10× the 9011 values written in it/,
      10,
      'all: ['.length + 81 * 4 + 1,
    );
    const big = `big: &big {${Array.from({ length: 500 }, (_, k) => `k${k}: ${k}`).join(', ')}}`;
    const merges = `${big}\n${Array.from({ length: 2000 }, (_, i) => `m${i}: {<<: *big, own: ${i}}`).join('\n')}\n`;
    // 4,502 values written, 500 more for each merge: the 82nd merge passes 45,020.
    await expectInvalidDocument('merges.yaml', merges, /^aliases expand the document to more than 45020 values/, 83, 'm81: {<<: '.length + 1);
  });

  it('refuses JSON nesting bombs given as text', async () => {
    const deep = /^nesting is deeper than 256 levels$/;
    await expectInvalidDocument('flow.json', `${'['.repeat(MIB / 2)}${']'.repeat(MIB / 2)}`, deep, 1, 257);
    await expectInvalidDocument('maps.json', `${'{"a":'.repeat(MIB / 12)}1${'}'.repeat(MIB / 12)}`, deep, 1, 256 * 5 + 1);
  });

  it('refuses deep content with InvalidInput, and content too deep or too large to parse cheaply before parsing it', async () => {
    for (const path of ['content.json', 'content.yaml']) {
      const deep = await refused(path, () => putContent(path, `${'['.repeat(300)}${']'.repeat(300)}`));
      expect(deep.body.data?.putConfig, path).toMatchObject({
        __typename: 'InvalidInput',
        message: expect.stringContaining('nesting is deeper than 256 levels') as unknown,
      });
      // yoga would JSON.parse these on the event loop before any resolver ran: 100,000 levels, 16 MB of brackets
      // (10 s before), two million values.
      const bodies: [string, string][] = [
        ['100,000 levels', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
        ['8,000,000 levels', `${'['.repeat(8_000_000)}${']'.repeat(8_000_000)}`],
        ['2,000,000 values', `[${Array(2_000_000).fill('0').join(',')}]`],
      ];
      for (const [label, content] of bodies) {
        // 16 MB travel through the loopback first: a wider bound for that one.
        const answer = await refused(`${path}: ${label}`, () => putContent(path, content), label.startsWith('8,') ? 4000 : REFUSAL_MS);
        expect(answer.status, label).toBe(400);
        expect(answer.body.errors?.[0]?.extensions?.code, label).toBe('BAD_REQUEST');
        expect(answer.body.errors?.[0]?.message, label).toMatch(/^the request body is refused before parsing: /);
      }
    }
  });

  it('refuses to read an alias bomb committed from outside Cairn, quickly, and still serves its text', async () => {
    // Outside Cairn's checks (the git CLI) a document can still carry a bomb: reading its content took 50 s.
    const text = wideAliases();
    const blob = git(['hash-object', '-w', '--stdin'], text);
    const tree = git(['mktree'], `${h.git(NS, 'ls-tree', 'HEAD')}100644 blob ${blob}\toutside.yaml\n`);
    const commit = git(['commit-tree', tree, '-p', head(), '-m', 'a bomb from outside']);
    git(['update-ref', 'refs/heads/main', commit]);
    // A write catches the server's index up with the commit made outside it.
    expect(await put('after.yaml', 'a: 1\n')).toMatchObject({ __typename: 'WritePayload' });
    const started = performance.now();
    const read = await h.gql<{ namespace: { config: { __typename: string; text: string; content: unknown } } }>(CONFIG, { ns: NS, path: 'outside.yaml' });
    expect(performance.now() - started).toBeLessThan(REFUSAL_MS);
    expect(read.data.namespace.config).toMatchObject({ __typename: 'ConfigDocument', text, content: null });
    expect(read.errors?.[0]?.extensions?.code).toBe('INVALID_DOCUMENT');
    expect(read.errors?.[0]?.message).toContain('aliases expand the document to more than 90110 values');
  });

  it('left the repository fsck-clean', () => {
    expect(h.git(NS, 'fsck', '--strict')).toBe('');
  });
});
