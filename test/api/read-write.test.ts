import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CREATE_NAMESPACE, DELETE_CONFIG, PUT_CONFIG, type WriteResult } from '../support/operations.js';

const ALICE = { token: 'alice-token-123', name: 'Alice Admin', email: 'alice@example.com', roles: { '*': 'admin' as const } };

describe('reading and writing documents through GraphQL, checked with the git CLI', () => {
  let h: Harness;
  const versions: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ tokens: [ALICE] });
    expect((await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name: 'payments' })).data.createNamespace.__typename).toBe(
      'Namespace',
    );
    const put = async (input: Record<string, unknown>): Promise<WriteResult> => {
      const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'payments', ...input } });
      expect(res.errors).toBeUndefined();
      return res.data.putConfig;
    };
    const first = await put({
      path: 'services/api/prod.yaml',
      text: '# production\nreplicas: 2\nimage: api:1.0\n',
      expectedVersion: null,
      comment: 'first deploy',
      requestId: 'req-1',
    });
    expect(first.status).toBe('COMMITTED');
    versions.push(first.version!.hash);
    const second = await put({ path: 'flags.json', content: { beta: false, limits: [1, 2] }, expectedVersion: null, comment: 'flags' });
    versions.push(second.version!.hash);
    const third = await put({
      path: 'services/api/prod.yaml',
      text: '# production\nreplicas: 3\nimage: api:1.1\n',
      expectedVersion: versions[0],
      comment: 'scale up',
    });
    versions.push(third.version!.hash);
  });

  afterAll(() => h.close());

  it('records operator, comment and Cairn trailers in each commit, as git log shows them', () => {
    const log = h.git(
      'payments',
      'log',
      '--format=%H|%an|%ae|%cn|%s|%(trailers:key=Cairn-Action,valueonly,separator=)|%(trailers:key=Cairn-Operator-IP,valueonly,separator=)|%(trailers:key=Cairn-Request-Id,valueonly,separator=)',
    );
    const lines = log
      .trim()
      .split('\n')
      .map((l) => l.split('|'));
    expect(lines.map((l) => l[0])).toEqual([...versions].reverse());
    expect(lines.map((l) => l[1])).toEqual(['Alice Admin', 'Alice Admin', 'Alice Admin']);
    expect(lines.map((l) => l[2])).toEqual(['alice@example.com', 'alice@example.com', 'alice@example.com']);
    expect(lines.map((l) => l[3])).toEqual(['Cairn', 'Cairn', 'Cairn']);
    expect(lines.map((l) => l[4])).toEqual(['scale up', 'flags', 'first deploy']);
    expect(lines.map((l) => l[5])).toEqual(['update', 'create', 'create']);
    expect(lines.every((l) => l[6] === '127.0.0.1' || l[6] === '::ffff:127.0.0.1')).toBe(true);
    expect(lines[2]?.[7]).toBe('req-1');
    h.git('payments', 'fsck', '--strict');
  });

  it('serves each document byte for byte as git show prints it, at any version', async () => {
    const res = await h.gql<{ namespace: { config: { text: string; content: unknown; format: string; version: { hash: string } } } }>(
      `query($at: String) { namespace(name: "payments") { ... on Namespace { config(path: "services/api/prod.yaml", at: $at) { ... on ConfigDocument { text content format version { hash } } } } } }`,
      { at: versions[1]!.slice(0, 7) },
    );
    const doc = res.data.namespace.config;
    expect(doc.text).toBe(h.git('payments', 'show', `${versions[1]}:services/api/prod.yaml`));
    expect(doc.content).toEqual({ replicas: 2, image: 'api:1.0' });
    expect(doc.format).toBe('YAML');
    expect(doc.version.hash).toBe(versions[0]);
    const head = await h.gql<{ namespace: { config: { text: string } } }>(
      `{ namespace(name: "payments") { ... on Namespace { config(path: "services/api/prod.yaml", at: "HEAD") { ... on ConfigDocument { text } } } } }`,
    );
    expect(head.data.namespace.config.text).toBe(h.git('payments', 'show', 'HEAD:services/api/prod.yaml'));
  });

  it('resolves HEAD~N, short hashes and tags made with the git CLI', async () => {
    h.git('payments', 'tag', '-a', 'release-1', '-m', 'release one', versions[1]!);
    const refs = ['HEAD~1', 'HEAD^', versions[1]!.slice(0, 8), 'release-1', versions[1]!];
    for (const ref of refs) {
      const res = await h.gql<{ namespace: { version: { __typename: string; hash?: string } } }>(
        `query($ref: String!) { namespace(name: "payments") { ... on Namespace { version(ref: $ref) { __typename ... on Version { hash } } } } }`,
        { ref },
      );
      expect(res.data.namespace.version).toEqual({ __typename: 'Version', hash: versions[1] });
    }
  });

  it('lists documents under a prefix and versions newest first, by path and page', async () => {
    const res = await h.gql<{
      namespace: {
        configs: { data: { path: string }[] };
        versions: { edges: { node: { hash: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
        byPath: { edges: { node: { hash: string } }[] };
      };
    }>(
      `{ namespace(name: "payments") { ... on Namespace {
          configs(prefix: "services/") { ... on ConfigsSuccess { data { path } } }
          versions(first: 2) { edges { node { hash } } pageInfo { hasNextPage endCursor } }
          byPath: versions(path: "services/api/prod.yaml") { edges { node { hash } } }
      } } }`,
    );
    const ns = res.data.namespace;
    expect(ns.configs.data.map((d) => d.path)).toEqual(['services/api/prod.yaml']);
    expect(ns.versions.edges.map((e) => e.node.hash)).toEqual([versions[2], versions[1]]);
    expect(ns.versions.pageInfo.hasNextPage).toBe(true);
    expect(ns.byPath.edges.map((e) => e.node.hash)).toEqual([versions[2], versions[0]]);
    const next = await h.gql<{ namespace: { versions: { edges: { node: { hash: string } }[]; pageInfo: { hasNextPage: boolean } } } }>(
      `query($after: String) { namespace(name: "payments") { ... on Namespace { versions(first: 2, after: $after) { edges { node { hash } } pageInfo { hasNextPage } } } } }`,
      { after: ns.versions.pageInfo.endCursor },
    );
    expect(next.data.namespace.versions.edges.map((e) => e.node.hash)).toEqual([versions[0]]);
    expect(next.data.namespace.versions.pageInfo.hasNextPage).toBe(false);
    const gitOrder = h.git('payments', 'log', '--format=%H', '--', 'services/api/prod.yaml').trim().split('\n');
    expect(ns.byPath.edges.map((e) => e.node.hash)).toEqual(gitOrder);
  });

  it('diffs two versions with statuses, value changes, a JSON patch and a unified diff', async () => {
    const res = await h.gql<{ namespace: { diff: { files: { path: string; status: string; changes: unknown[]; patch: unknown; unified: string }[] } } }>(
      `query($from: String!) { namespace(name: "payments") { ... on Namespace { diff(from: $from) { ... on Diff { files { path status changes { pointer op oldValue newValue } patch unified } } } } } }`,
      { from: versions[0] },
    );
    const files = res.data.namespace.diff.files;
    expect(files.map((f) => [f.path, f.status])).toEqual([
      ['flags.json', 'ADDED'],
      ['services/api/prod.yaml', 'MODIFIED'],
    ]);
    const yaml = files[1]!;
    expect(yaml.changes).toHaveLength(2);
    expect(yaml.changes).toEqual(
      expect.arrayContaining([
        { pointer: '/image', op: 'REPLACE', oldValue: 'api:1.0', newValue: 'api:1.1' },
        { pointer: '/replicas', op: 'REPLACE', oldValue: 2, newValue: 3 },
      ]),
    );
    expect(yaml.patch).toEqual(expect.arrayContaining([{ op: 'replace', path: '/replicas', value: 3 }]));
    expect(yaml.unified).toContain('-replicas: 2');
    expect(yaml.unified).toContain('+replicas: 3');
    const gitStat = h.git('payments', 'diff', '--name-status', versions[0]!, versions[2]!).trim();
    expect(gitStat).toBe('A\tflags.json\nM\tservices/api/prod.yaml');
  });

  it('filters the audit log by operator, action, path, time and version', async () => {
    const q = `query($f: AuditFilter) { namespace(name: "payments") { ... on Namespace { audit(filter: $f) { edges { node { version { hash } operator { email } action comment operatorIp paths } } } } } }`;
    const run = async (f: Record<string, unknown>) =>
      (await h.gql<{ namespace: { audit: { edges: { node: { version: { hash: string } } }[] } } }>(q, { f })).data.namespace.audit.edges.map(
        (e) => e.node.version.hash,
      );
    expect(await run({ operator: 'ALICE@example.com' })).toEqual([...versions].reverse());
    expect(await run({ operator: 'bob@example.com' })).toEqual([]);
    // A part of the name or the email is enough (the console's filter box).
    expect(await run({ operator: 'lic' })).toEqual([...versions].reverse());
    expect(await run({ operator: 'example.org' })).toEqual([]);
    expect(await run({ action: 'CREATE' })).toEqual([versions[1], versions[0]]);
    expect(await run({ path: 'flags.json' })).toEqual([versions[1]]);
    expect(await run({ version: versions[2]!.slice(0, 10) })).toEqual([versions[2]]);
    expect(await run({ since: new Date(Date.now() - 60_000).toISOString(), until: new Date(Date.now() + 60_000).toISOString() })).toHaveLength(3);
    expect(await run({ until: '2000-01-01T00:00:00Z' })).toEqual([]);
  });

  it('commits several documents and deletions atomically with applyChanges, and deletes with deleteConfig', async () => {
    const head = versions[2]!;
    const res = await h.gql<{ applyChanges: WriteResult }>(APPLY_CHANGES, {
      input: {
        namespace: 'payments',
        expectedVersion: head,
        comment: 'batch',
        changes: [
          { path: 'a.json', content: { a: 1 } },
          { path: 'b.yml', text: 'b: 2\n' },
          { path: 'flags.json', delete: true },
        ],
      },
    });
    expect(res.data.applyChanges.status).toBe('COMMITTED');
    const commit = res.data.applyChanges.version!.hash;
    expect(h.git('payments', 'show', '--name-status', '--format=', commit).trim().split('\n').sort()).toEqual(['A\ta.json', 'A\tb.yml', 'D\tflags.json']);
    const del = await h.gql<{ deleteConfig: WriteResult }>(DELETE_CONFIG, { input: { namespace: 'payments', path: 'b.yml', expectedVersion: commit } });
    expect(del.data.deleteConfig.version!.action).toBe('DELETE');
    expect(h.git('payments', 'ls-tree', '-r', '--name-only', 'HEAD').trim().split('\n')).toEqual(['a.json', 'services/api/prod.yaml']);
    h.git('payments', 'fsck', '--strict');
  });

  it('returns the first result for a repeated requestId and commits nothing new', async () => {
    const before = h.git('payments', 'rev-parse', 'HEAD').trim();
    const input = { namespace: 'payments', path: 'idem.json', content: { n: 1 }, expectedVersion: null, requestId: 'idem-42' };
    const a = (await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input })).data.putConfig;
    const b = (await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input })).data.putConfig;
    expect(a.status).toBe('COMMITTED');
    expect(b.status).toBe('REPLAYED');
    expect(b.version!.hash).toBe(a.version!.hash);
    expect(h.git('payments', 'rev-list', '--count', `${before}..HEAD`).trim()).toBe('1');
  });

  it('answers an unchanged write as UNCHANGED without a commit', async () => {
    const head = h.git('payments', 'rev-parse', 'HEAD').trim();
    const res = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, {
      input: { namespace: 'payments', path: 'a.json', content: { a: 1 }, expectedVersion: head },
    });
    expect(res.data.putConfig.status).toBe('UNCHANGED');
    expect(h.git('payments', 'rev-parse', 'HEAD').trim()).toBe(head);
  });

  it('serves /healthz and a request id', async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    const gql = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALICE.token}`, 'x-request-id': 'trace-abc' },
      body: '{"query":"{ namespaces { edges { node { name } } } }"}',
    });
    expect(gql.headers.get('x-request-id')).toBe('trace-abc');
  });
});
