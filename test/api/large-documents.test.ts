import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { type HealthProbe, startHealthProbe } from '../support/health-probe.js';

const READ = `query($path: String!, $at: String) { namespace(name: "big") { ... on Namespace {
  config(path: $path, at: $at) { __typename ... on ConfigDocument { content } ... on Error { code } } } } }`;

/** About `bytes` of YAML shaped like configuration; `variant` changes one value. */
function bigYaml(bytes: number, variant: number): { text: string; value: Record<string, unknown> } {
  const services: Record<string, unknown> = {};
  // Each entry is about 100 bytes of YAML: measured once per 500 entries, not after each one.
  for (let j = 0; j % 500 !== 0 || stringify({ services }).length < bytes; j += 1) {
    services[`service-${j}`] = {
      image: `registry.example.com/service-${j}:1.${j % 17}`,
      port: 8000 + (j % 1000),
      replicas: j === 0 ? variant : (j % 5) + 1,
      zones: ['eu-1a', 'eu-1b'],
    };
  }
  return { text: stringify({ services }), value: { services } };
}

/**
 * Large documents are parsed on worker threads (CAIRN_PARSE_THREADS): a 1 MiB YAML document takes over a second to
 * parse, and the event loop every tenant shares keeps answering meanwhile. Parse errors cross the thread typed.
 */
describe.each([
  ['on worker threads', '1'],
  ['on the event loop (CAIRN_PARSE_THREADS=0)', '0'],
])('large documents, parsed %s', (_label, threads) => {
  let h: Harness;
  let probe: HealthProbe;
  let head: string | null = null;
  const big = bigYaml(900_000, 1);

  beforeAll(async () => {
    h = await startHarness({ env: { CAIRN_PARSE_THREADS: threads } });
    await h.gql(CREATE_NAMESPACE, { name: 'big' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('commits a 900 KB YAML document and reads it back', async () => {
    probe = startHealthProbe(h.url);
    const put = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'big', path: 'big.yaml', text: big.text, expectedVersion: head } });
    expect(put.data.putConfig.status, JSON.stringify(put.data).slice(0, 300)).toBe('COMMITTED');
    head = put.data.putConfig.version!.hash;
    const read = await h.gql<{ namespace: { config: { content: unknown } } }>(READ, { path: 'big.yaml', at: head });
    expect(read.data.namespace.config.content).toEqual(big.value);
    const waited = await probe.stop();
    // Off the event loop the probe never waits for the parses; on it, it does (that is the setting's point).
    if (threads !== '0') expect(waited.max, `probe latencies ${JSON.stringify(waited)}`).toBeLessThan(1_000);
    h.git('big', 'fsck', '--strict');
  });

  it('refuses an invalid large YAML document with its line and column, whichever thread parsed it', async () => {
    const broken = `${big.text}services: duplicate\n`;
    const lines = broken.split('\n').length - 1;
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'big', path: 'broken.yaml', text: broken, expectedVersion: head } });
    expect(res.data.putConfig).toMatchObject({ __typename: 'InvalidDocument', line: lines, column: 1 });
    expect(h.git('big', 'rev-parse', 'HEAD').trim()).toBe(head);
  });
});

/**
 * Parsed values are shared by blob id: a document read back (perhaps committed from outside Cairn, over the limits)
 * must not let the same text skip the checks of a write.
 */
describe('a parsed value read back does not stand in for the checks of a write', () => {
  it('refuses, over CAIRN_MAX_DOCUMENT_BYTES, a text whose value was parsed when read', async () => {
    const h = await startHarness({ env: { CAIRN_MAX_DOCUMENT_BYTES: '1000' } });
    try {
      await h.gql(CREATE_NAMESPACE, { name: 'big' });
      const seed = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'big', path: 'seed.json', content: {}, expectedVersion: null } });
      const text = `${JSON.stringify({ padding: 'x'.repeat(2000) })}\n`;
      const git = (args: string[], input?: string): string =>
        execFileSync('git', ['--git-dir', path.join(h.dataDir, 'big.git'), ...args], { encoding: 'utf8', ...(input === undefined ? {} : { input }) }).trim();
      // Committed with the git CLI, outside Cairn's limits; the next write makes the server catch up.
      const base = seed.data.putConfig.version!.hash;
      const blob = git(['hash-object', '-w', '--stdin'], text);
      const tree = git(['mktree'], `100644 blob ${blob}\toutside.json\n100644 blob ${git(['rev-parse', `${base}:seed.json`])}\tseed.json\n`);
      const commit = git(['commit-tree', tree, '-p', base, '-m', 'outside'], '');
      git(['update-ref', 'refs/heads/main', commit, base]);
      await h.gql(PUT_CONFIG, { input: { namespace: 'big', path: 'sync.json', content: {}, expectedVersion: null } });
      const read = await h.gql<{ namespace: { config: { content: unknown } } }>(READ, { path: 'outside.json', at: null });
      expect(read.data.namespace.config.content).toEqual(JSON.parse(text));
      const copy = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'big', path: 'copy.json', text, expectedVersion: null } });
      expect(copy.data.putConfig).toMatchObject({ __typename: 'InvalidDocument' });
      expect(copy.data.putConfig.message).toContain('over the limit of 1000');
    } finally {
      await h.close();
    }
  });
});
