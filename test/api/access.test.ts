import { readdirSync } from 'node:fs';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GitShell } from '../support/git-shell.js';
import { type Harness, type TestToken, startHarness } from '../support/harness.js';
import { APPLY_CHANGES, CHANGES_SUBSCRIPTION, PUT_CONFIG, REVERT, ROLLBACK, type WriteResult } from '../support/operations.js';
import { ADMIN } from '../support/tokens.js';

/**
 * Who may do what, against a real server with a tokens file: every role × namespace × operation, unauthenticated
 * requests over HTTP and WebSocket, namespace listing, the recorded operator, and change-feed filtering.
 */
const EDITOR: TestToken = { token: 'editor-token-0002', name: 'Ed Editor', email: 'ed@example.com', roles: { 'team-a': 'editor', 'team-b': 'viewer' } };
const VIEWER: TestToken = { token: 'viewer-token-0003', name: 'Vi Viewer', email: 'vi@example.com', roles: { 'team-a': 'viewer' } };
const REVOKED: TestToken = { token: 'revoked-token-0004', name: 'Rex Revoked', email: 'rex@example.com', roles: { '*': 'admin' }, revoked: true };

type Role = 'admin' | 'editor' | 'viewer';
type Ns = 'team-a' | 'team-b';
const NAMESPACES: readonly Ns[] = ['team-a', 'team-b'];
const TOKENS: Record<Role, TestToken> = { admin: ADMIN, editor: EDITOR, viewer: VIEWER };
/** The role each token holds in each namespace, as written in the tokens file above. */
const GRANTED: Record<Role, Record<Ns, Role | null>> = {
  admin: { 'team-a': 'admin', 'team-b': 'admin' },
  editor: { 'team-a': 'editor', 'team-b': 'viewer' },
  viewer: { 'team-a': 'viewer', 'team-b': null },
};
const RANK: Record<Role, number> = { viewer: 1, editor: 2, admin: 3 };
const allows = (held: Role | null, needed: Role): boolean => held !== null && RANK[held] >= RANK[needed];

const ERRORS = `... on Error { __typename message code }
  ... on Forbidden { namespace requiredRole }
  ... on NotFound { kind key }
  ... on InvalidRef { ref reason }`;

const READS = {
  namespace: `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { name head { hash } } ${ERRORS} } }`,
  config: `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { config(path: "app.json") { __typename ... on ConfigDocument { text content } ${ERRORS} } } ${ERRORS} } }`,
  configs: `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { configs { __typename ... on ConfigsSuccess { data { path } } ${ERRORS} } } ${ERRORS} } }`,
  versions: `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { versions(first: 100) { edges { node { hash } } } } ${ERRORS} } }`,
  audit: `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { audit(first: 100) { edges { node { version { hash } operator { email } } } } } ${ERRORS} } }`,
  diff: `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { diff(from: "HEAD~1") { __typename ... on Diff { files { path } } ${ERRORS} } } ${ERRORS} } }`,
  version: `query($ns: String!) { namespace(name: $ns) { __typename ... on Namespace { version(ref: "HEAD") { __typename ... on Version { hash } ${ERRORS} } } ${ERRORS} } }`,
} as const;
type ReadOp = keyof typeof READS;
const WRITE_OPS = ['putConfig', 'applyChanges', 'deleteConfig', 'rollback', 'revert'] as const;
type WriteOp = (typeof WRITE_OPS)[number];

const CREATE = `mutation($name: String!) { createNamespace(input: { name: $name }) { __typename ... on Namespace { name } ... on NamespaceExists { namespace } ${ERRORS} } }`;
const DELETE = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { __typename ... on WritePayload { status version { hash } } ${ERRORS} } }`;
const NAMESPACES_QUERY = `{ namespaces(first: 100) { edges { node { name } } } }`;

interface Typed {
  __typename: string;
  code?: string;
  message?: string;
  namespace?: string;
  requiredRole?: string;
}

interface ChangeEventData {
  id: string;
  namespace: string;
  version: string;
  operator: { name: string; email: string };
}

/** A subscription whose events and failure are kept for inspection. */
interface Listener {
  readonly events: ChangeEventData[];
  readonly failure: () => unknown;
  readonly completed: () => boolean;
  until(what: string, done: () => boolean, timeoutMs?: number): Promise<void>;
  dispose(): void;
}

function listen(client: Client, variables: Record<string, unknown>, query = CHANGES_SUBSCRIPTION): Listener {
  const events: ChangeEventData[] = [];
  let failure: unknown = null;
  let completed = false;
  const dispose = client.subscribe<{ changes: ChangeEventData }>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) failure = value.errors;
        else if (value.data?.changes) events.push(value.data.changes);
      },
      error: (error) => {
        failure = error ?? 'error';
      },
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    events,
    failure: () => failure,
    completed: () => completed,
    async until(what, done, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${what}; events=${JSON.stringify(events.map((e) => [e.namespace, e.version]))} failure=${JSON.stringify(failure)}`,
          );
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    dispose,
  };
}

function closeCode(failure: unknown): number | null {
  if (failure && typeof failure === 'object' && 'code' in failure && typeof (failure as { code: unknown }).code === 'number')
    return (failure as { code: number }).code;
  return null;
}

describe('access control', () => {
  let h: Harness;
  let counter = 0;

  // Some 450 questions to git: through one shell, not a fork of this process each.
  let shell: GitShell;
  const git = (ns: string, ...args: string[]): Promise<string> => shell.git('--git-dir', path.join(h.dataDir, `${ns}.git`), ...args);
  const head = async (ns: string): Promise<string> => (await git(ns, 'rev-parse', 'HEAD')).trim();
  const show = (ns: string, p: string): Promise<string> => git(ns, 'show', `HEAD:${p}`);

  /** Runs `attempt` with the head it starts from, and checks with git that neither HEAD nor any other ref moved. */
  async function unchanged<T>(ns: string, attempt: (current: string) => Promise<T>): Promise<T> {
    // HEAD and every ref, each with the commit it names, in one git call.
    const before = await git(ns, 'show-ref', '--head');
    const current = /^([0-9a-f]{40}) HEAD$/m.exec(before)?.[1];
    expect(current, before).toBeDefined();
    const result = await attempt(current!);
    expect(await git(ns, 'show-ref', '--head')).toBe(before);
    return result;
  }

  /** A write by the admin, for fixtures; returns the new version. */
  async function adminPut(ns: string, p: string, content: unknown): Promise<string> {
    const res = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: ns, path: p, content, expectedVersion: await head(ns) } },
      ADMIN.token,
    );
    expect(res.data.putConfig.status, JSON.stringify(res)).toBe('COMMITTED');
    return res.data.putConfig.version!.hash;
  }

  /** Prepares what `op` needs in `ns`, then runs it as `token`; returns the typed result. */
  type Guard = <T>(attempt: (current: string) => Promise<T>) => Promise<T>;
  async function runWrite(op: WriteOp, ns: Ns, token: string, guard: Guard): Promise<WriteResult & Typed & { tag: string }> {
    counter += 1;
    const tag = `${op}-${counter}`;
    return { ...(await attemptWrite(op, ns, token, guard, tag)), tag };
  }

  async function attemptWrite(op: WriteOp, ns: Ns, token: string, guard: Guard, tag: string): Promise<WriteResult & Typed> {
    switch (op) {
      case 'putConfig': {
        const res = await guard((current) =>
          h.gql<{ putConfig: WriteResult & Typed }>(
            PUT_CONFIG,
            { input: { namespace: ns, path: `put/${tag}.json`, content: { n: counter }, expectedVersion: current } },
            token,
          ),
        );
        expect(res.errors).toBeUndefined();
        return res.data.putConfig;
      }
      case 'applyChanges': {
        const res = await guard((current) =>
          h.gql<{ applyChanges: WriteResult & Typed }>(
            APPLY_CHANGES,
            {
              input: {
                namespace: ns,
                expectedVersion: current,
                changes: [
                  { path: `apply/${tag}.json`, content: { n: counter } },
                  { path: `apply/${tag}.yaml`, text: `n: ${counter}\n` },
                ],
              },
            },
            token,
          ),
        );
        expect(res.errors).toBeUndefined();
        return res.data.applyChanges;
      }
      case 'deleteConfig': {
        await adminPut(ns, `del/${tag}.json`, { doomed: true });
        const res = await guard((current) =>
          h.gql<{ deleteConfig: WriteResult & Typed }>(DELETE, { input: { namespace: ns, path: `del/${tag}.json`, expectedVersion: current } }, token),
        );
        expect(res.errors).toBeUndefined();
        return res.data.deleteConfig;
      }
      case 'rollback': {
        const first = await adminPut(ns, `rb/${tag}.json`, { v: 1 });
        await adminPut(ns, `rb/${tag}.json`, { v: 2 });
        const res = await guard((current) =>
          h.gql<{ rollback: WriteResult & Typed }>(
            ROLLBACK,
            { input: { namespace: ns, to: first, paths: [`rb/${tag}.json`], expectedVersion: current } },
            token,
          ),
        );
        expect(res.errors).toBeUndefined();
        return res.data.rollback;
      }
      case 'revert': {
        await adminPut(ns, `rv/${tag}.json`, { v: 1 });
        const target = await adminPut(ns, `rv/${tag}.json`, { v: 2 });
        const res = await guard((current) =>
          h.gql<{ revert: WriteResult & Typed }>(REVERT, { input: { namespace: ns, version: target, expectedVersion: current } }, token),
        );
        expect(res.errors).toBeUndefined();
        return res.data.revert;
      }
    }
  }

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, REVOKED] });
    shell = new GitShell();
    for (const ns of ['team-a', 'team-b', 'team-c']) {
      const created = await h.gql<{ createNamespace: Typed }>(CREATE, { name: ns }, ADMIN.token);
      expect(created.data.createNamespace.__typename).toBe('Namespace');
      const put = await h.gql<{ putConfig: WriteResult }>(
        PUT_CONFIG,
        { input: { namespace: ns, path: 'app.json', content: { owner: ns, v: 1 }, expectedVersion: null } },
        ADMIN.token,
      );
      expect(put.data.putConfig.status).toBe('COMMITTED');
      await adminPut(ns, 'app.json', { owner: ns, v: 2 });
    }
  });

  afterAll(async () => {
    await shell?.close();
    await h?.close();
  });

  describe('role × namespace × operation', () => {
    const roles: Role[] = ['admin', 'editor', 'viewer'];
    const readCases = roles.flatMap((role) =>
      NAMESPACES.flatMap((ns) => (Object.keys(READS) as ReadOp[]).map((op) => [role, op, ns, allows(GRANTED[role][ns], 'viewer')] as const)),
    );
    const writeCases = roles.flatMap((role) => NAMESPACES.flatMap((ns) => WRITE_OPS.map((op) => [role, op, ns, allows(GRANTED[role][ns], 'editor')] as const)));
    const adminCases = roles.flatMap((role) => NAMESPACES.map((ns) => [role, ns, allows(GRANTED[role][ns], 'admin')] as const));
    const subscriptionCases = roles.flatMap((role) => NAMESPACES.map((ns) => [role, ns, allows(GRANTED[role][ns], 'viewer')] as const));

    it.each(readCases)('%s: %s of %s (allowed: %s)', async (role, op, ns, allowed) => {
      const res = await unchanged(ns, () => h.gql<{ namespace: Typed & Record<string, unknown> }>(READS[op], { ns }, TOKENS[role].token));
      expect(res.status).toBe(200);
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      const namespace = res.data.namespace;
      if (!allowed) {
        expect(namespace).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN', namespace: ns, requiredRole: 'viewer' });
        return;
      }
      expect(namespace.__typename).toBe('Namespace');
      const gitLog = async (): Promise<string[]> => (await git(ns, 'log', '--format=%H')).trim().split('\n');
      switch (op) {
        case 'namespace':
          expect(namespace).toMatchObject({ name: ns, head: { hash: await head(ns) } });
          break;
        case 'config':
          expect(namespace.config).toMatchObject({ __typename: 'ConfigDocument', text: await show(ns, 'app.json'), content: { owner: ns, v: 2 } });
          break;
        case 'configs':
          expect((namespace.configs as { data: { path: string }[] }).data.map((d) => d.path)).toEqual(
            (await git(ns, 'ls-tree', '-r', '--name-only', 'HEAD')).trim().split('\n'),
          );
          break;
        case 'versions':
          expect((namespace.versions as { edges: { node: { hash: string } }[] }).edges.map((e) => e.node.hash)).toEqual(await gitLog());
          break;
        case 'audit':
          expect((namespace.audit as { edges: { node: { version: { hash: string } } }[] }).edges.map((e) => e.node.version.hash)).toEqual(await gitLog());
          break;
        case 'diff':
          expect((namespace.diff as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(
            (await git(ns, 'diff', '--name-only', 'HEAD~1', 'HEAD')).trim().split('\n'),
          );
          break;
        case 'version':
          expect(namespace.version).toEqual({ __typename: 'Version', hash: await head(ns) });
          break;
      }
    });

    it.each(writeCases)('%s: %s in %s (allowed: %s)', async (role, op, ns, allowed) => {
      if (allowed) {
        let before = '';
        const result = await runWrite(op, ns, TOKENS[role].token, async (attempt) => {
          before = await head(ns);
          return attempt(before);
        });
        expect(result.__typename, JSON.stringify(result)).toBe('WritePayload');
        expect(result.status).toBe('COMMITTED');
        expect(await head(ns)).toBe(result.version!.hash);
        expect((await git(ns, 'rev-parse', `${result.version!.hash}~1`)).trim()).toBe(before);
        expect((await git(ns, 'log', '-1', '--format=%an|%ae')).trim()).toBe(`${TOKENS[role].name}|${TOKENS[role].email}`);
        const tree = (await git(ns, 'ls-tree', '-r', '--name-only', 'HEAD')).trim().split('\n');
        const { tag } = result;
        if (op === 'putConfig') expect(JSON.parse(await show(ns, `put/${tag}.json`))).toEqual({ n: expect.any(Number) });
        if (op === 'applyChanges') expect(tree).toEqual(expect.arrayContaining([`apply/${tag}.json`, `apply/${tag}.yaml`]));
        if (op === 'deleteConfig') expect(tree).not.toContain(`del/${tag}.json`);
        if (op === 'rollback') expect(JSON.parse(await show(ns, `rb/${tag}.json`))).toEqual({ v: 1 });
        if (op === 'revert') expect(JSON.parse(await show(ns, `rv/${tag}.json`))).toEqual({ v: 1 });
        return;
      }
      // Fixtures are made by the admin first; only the refused attempt itself must leave every ref where it was.
      const result = await runWrite(op, ns, TOKENS[role].token, (attempt) => unchanged(ns, attempt));
      expect(result).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN', namespace: ns, requiredRole: 'editor' });
    });

    it.each(adminCases)('%s: createNamespace %s (allowed: %s)', async (role, ns, allowed) => {
      const before = readdirSync(h.dataDir).sort();
      const res = await unchanged(ns, () => h.gql<{ createNamespace: Typed }>(CREATE, { name: ns }, TOKENS[role].token));
      expect(res.errors).toBeUndefined();
      if (allowed) expect(res.data.createNamespace).toMatchObject({ __typename: 'NamespaceExists', namespace: ns });
      else expect(res.data.createNamespace).toMatchObject({ __typename: 'Forbidden', code: 'FORBIDDEN', namespace: ns, requiredRole: 'admin' });
      expect(readdirSync(h.dataDir).sort()).toEqual(before);
    });

    it('only an admin creates a new namespace; others get Forbidden and no repository appears', async () => {
      for (const role of ['editor', 'viewer'] as const) {
        const res = await h.gql<{ createNamespace: Typed }>(CREATE, { name: `fresh-${role}` }, TOKENS[role].token);
        expect(res.data.createNamespace).toMatchObject({ __typename: 'Forbidden', namespace: `fresh-${role}`, requiredRole: 'admin' });
        expect(readdirSync(h.dataDir)).not.toContain(`fresh-${role}.git`);
      }
      const ok = await h.gql<{ createNamespace: Typed & { name: string } }>(CREATE, { name: 'fresh-admin' }, ADMIN.token);
      expect(ok.data.createNamespace).toEqual({ __typename: 'Namespace', name: 'fresh-admin' });
      expect(readdirSync(h.dataDir)).toContain('fresh-admin.git');
    });

    it.each(subscriptionCases)('%s: subscription changes(namespace: %s) (allowed: %s)', async (role, ns, allowed) => {
      const client = h.ws(TOKENS[role].token);
      const since = await head(ns);
      const sub = listen(client, { ns, since });
      try {
        if (!allowed) {
          await sub.until('the refusal', () => sub.failure() !== null || sub.completed());
          expect(sub.events).toEqual([]);
          const failure = sub.failure() as { extensions?: { code?: string } }[] | null;
          expect(Array.isArray(failure), JSON.stringify(failure)).toBe(true);
          expect(failure![0]!.extensions?.code).toBe('FORBIDDEN');
          // Nothing written afterwards reaches it either.
          await adminPut(ns, `sub/after-refusal-${role}.json`, { x: 1 });
          await new Promise((r) => setTimeout(r, 100));
          expect(sub.events).toEqual([]);
          return;
        }
        const version = await adminPut(ns, `sub/${role}.json`, { x: 1 });
        await sub.until(`the event of ${version}`, () => sub.events.some((e) => e.version === version));
        expect(sub.failure()).toBeNull();
        expect(sub.events.every((e) => e.namespace === ns)).toBe(true);
      } finally {
        sub.dispose();
      }
    });

    it('a reader who cannot read a namespace cannot tell whether it exists', async () => {
      const missing = await h.gql<{ namespace: Typed }>(READS.namespace, { ns: 'team-zzz' }, VIEWER.token);
      const existing = await h.gql<{ namespace: Typed }>(READS.namespace, { ns: 'team-b' }, VIEWER.token);
      expect(missing.data.namespace).toMatchObject({ __typename: 'Forbidden', namespace: 'team-zzz' });
      expect(existing.data.namespace).toMatchObject({ __typename: 'Forbidden', namespace: 'team-b' });
      const write = await h.gql<{ putConfig: Typed }>(
        PUT_CONFIG,
        { input: { namespace: 'team-zzz', path: 'x.json', content: {}, expectedVersion: null } },
        EDITOR.token,
      );
      expect(write.data.putConfig.__typename).toBe('Forbidden');
    });
    it.each(['text/event-stream', 'application/graphql-response+json'])(
      'over HTTP (%s), a subscription to a namespace the token cannot read is refused with FORBIDDEN and a 4xx status',
      async (accept) => {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 5_000);
        const res = await fetch(`${h.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${VIEWER.token}` },
          body: JSON.stringify({ query: CHANGES_SUBSCRIPTION, variables: { ns: 'team-b' } }),
          signal: controller.signal,
        });
        const text = await res.text();
        clearTimeout(timer);
        expect(text).toContain('"code":"FORBIDDEN"');
        expect(text).not.toContain('"owner"');
        expect(res.status, text).toBeGreaterThanOrEqual(400);
        expect(res.status, text).toBeLessThan(500);
      },
    );
  });

  describe('unauthenticated requests', () => {
    const BAD_HEADERS: readonly [string, string | null][] = [
      ['no header', null],
      ['"Bearer" alone', 'Bearer'],
      ['"Bearer " with nothing after it', 'Bearer '],
      ['Basic', 'Basic xyz'],
      ['Basic with the right token', `Basic ${ADMIN.token}`],
      ['the bare token without scheme', ADMIN.token],
      ['an unknown token', 'Bearer unknown-token-9999'],
      ['a revoked token', `Bearer ${REVOKED.token}`],
      ['a valid token with trailing garbage', `Bearer ${ADMIN.token} extra`],
      ['a prefix of a valid token', `Bearer ${ADMIN.token.slice(0, -1)}`],
    ];

    const send = (authorization: string | null, query: string, variables: Record<string, unknown> = {}) =>
      fetch(`${h.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(authorization === null ? {} : { authorization }) },
        body: JSON.stringify({ query, variables }),
      });

    it.each(BAD_HEADERS)('%s: a query is HTTP 401 with UNAUTHENTICATED', async (_label, authorization) => {
      const res = await send(authorization, READS.config, { ns: 'team-a' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Bearer/);
      const body = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data ?? null).toBeNull();
      expect(JSON.stringify(body)).not.toContain('"owner"');
    });

    it.each(BAD_HEADERS)('%s: a mutation is HTTP 401 with UNAUTHENTICATED and commits nothing', async (_label, authorization) => {
      for (const ns of NAMESPACES) {
        const res = await unchanged(ns, (current) =>
          send(authorization, PUT_CONFIG, { input: { namespace: ns, path: 'intruder.json', content: { pwned: true }, expectedVersion: current } }),
        );
        expect(res.status).toBe(401);
        const body = (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
        expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(body.data ?? null).toBeNull();
      }
      const created = await send(authorization, CREATE, { name: 'intruder-ns' });
      expect(created.status).toBe(401);
      expect(readdirSync(h.dataDir)).not.toContain('intruder-ns.git');
    });

    it('the namespaces listing and a GET query are 401 without a valid token too', async () => {
      for (const [, authorization] of BAD_HEADERS) {
        const res = await send(authorization, NAMESPACES_QUERY);
        expect(res.status).toBe(401);
        const get = await fetch(`${h.url}/graphql?query=${encodeURIComponent(NAMESPACES_QUERY)}`, {
          headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1', ...(authorization === null ? {} : { authorization }) },
        });
        expect(get.status).toBe(401);
      }
    });

    it.each(BAD_HEADERS)('%s: the WebSocket connection is refused (4403 or an error), no event delivered', async (_label, authorization) => {
      const client = createClient({
        url: `${h.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: authorization === null ? {} : { authorization },
        retryAttempts: 0,
        lazy: true,
      });
      let closed: number | null = null;
      client.on('closed', (event) => {
        closed = (event as { code?: number }).code ?? -1;
      });
      const sub = listen(client, { ns: 'team-a' });
      try {
        await sub.until('the refusal', () => sub.failure() !== null);
        const code = closeCode(sub.failure()) ?? closed;
        expect(code === 4403 || sub.failure() instanceof Error, `close code ${code}`).toBe(true);
        await adminPut('team-a', `ws-refused-${Date.now()}.json`, { x: 1 });
        await new Promise((r) => setTimeout(r, 50));
        expect(sub.events).toEqual([]);
      } finally {
        sub.dispose();
        await client.dispose();
      }
    });

    it('the WebSocket upgrade header is checked as well: a revoked token there is refused', async () => {
      const client = createClient({
        url: `${h.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { headers: { authorization: `Bearer ${REVOKED.token}` } });
          }
        },
        retryAttempts: 0,
        lazy: true,
      });
      const sub = listen(client, { ns: 'team-a' });
      try {
        await sub.until('the refusal', () => sub.failure() !== null);
        expect(closeCode(sub.failure())).toBe(4403);
      } finally {
        sub.dispose();
        await client.dispose();
      }
    });

    it('a subscription over SSE (HTTP) is 401 without a valid token', async () => {
      for (const [, authorization] of [BAD_HEADERS[0]!, BAD_HEADERS[7]!]) {
        const controller = new AbortController();
        const res = await fetch(`${h.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(authorization === null ? {} : { authorization }) },
          body: JSON.stringify({ query: CHANGES_SUBSCRIPTION, variables: { ns: 'team-a' } }),
          signal: controller.signal,
        });
        expect(res.status).toBe(401);
        controller.abort();
      }
    });
  });

  describe('namespace listing', () => {
    it.each([
      ['admin', null],
      ['editor', ['team-a', 'team-b']],
      ['viewer', ['team-a']],
    ] as const)('%s sees only the namespaces it may read', async (role, expected) => {
      const res = await h.gql<{ namespaces: { edges: { node: { name: string } }[] } }>(NAMESPACES_QUERY, {}, TOKENS[role].token);
      expect(res.errors).toBeUndefined();
      const names = res.data.namespaces.edges.map((e) => e.node.name);
      // The admin reads everything: every repository in the data directory.
      const everything = readdirSync(h.dataDir)
        .filter((n) => n.endsWith('.git'))
        .map((n) => n.slice(0, -4))
        .sort();
      expect(everything).toEqual(expect.arrayContaining(['team-a', 'team-b', 'team-c']));
      expect(names).toEqual(expected ?? everything);
    });
  });

  describe('the operator recorded in Git is the token holder', () => {
    const SPOOF_HEADERS = {
      'x-forwarded-for': '10.6.6.6',
      'x-real-ip': '10.6.6.6',
      forwarded: 'for=10.6.6.6;by=10.6.6.7',
      'x-operator': 'Mallory <mallory@evil.example>',
      'x-user': 'mallory',
      'x-forwarded-user': 'mallory@evil.example',
    };

    it('ignores x-forwarded-for, x-operator and friends, and trailer look-alikes in the comment', async () => {
      const before = await head('team-a');
      const res = await fetch(`${h.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${EDITOR.token}`, ...SPOOF_HEADERS },
        body: JSON.stringify({
          query: PUT_CONFIG,
          variables: {
            input: {
              namespace: 'team-a',
              path: 'spoof.json',
              content: { who: 'editor' },
              expectedVersion: before,
              comment: 'innocent change\n\nCairn-Operator-IP: 10.6.6.6\nCairn-Action: delete\nSigned-off-by: Mallory <mallory@evil.example>',
            },
          },
        }),
      });
      const body = (await res.json()) as { data: { putConfig: WriteResult } };
      const result = body.data.putConfig;
      expect(result.status).toBe('COMMITTED');
      expect(result.version!.operator).toEqual({ name: EDITOR.name, email: EDITOR.email });
      expect(['127.0.0.1', '::ffff:127.0.0.1', '::1']).toContain(result.version!.operatorIp);
      const [an, ae, cn, ip, action] = h
        .git(
          'team-a',
          'log',
          '-1',
          '--format=%an|%ae|%cn|%(trailers:key=Cairn-Operator-IP,valueonly,separator=%x2C)|%(trailers:key=Cairn-Action,valueonly,separator=%x2C)',
        )
        .trim()
        .split('|');
      expect(an).toBe(EDITOR.name);
      expect(ae).toBe(EDITOR.email);
      expect(cn).toBe('Cairn');
      expect(['127.0.0.1', '::ffff:127.0.0.1', '::1']).toContain(ip);
      expect(action).toBe('create');
      const trailers = h.git('team-a', 'log', '-1', '--format=%(trailers:only,unfold)').trim();
      expect(trailers).not.toMatch(/10\.6\.6\.6|Mallory|delete/);
      const audit = await h.gql<{ namespace: { audit: { edges: { node: { version: { hash: string }; operator: { email: string } } }[] } } }>(
        READS.audit,
        { ns: 'team-a' },
        VIEWER.token,
      );
      expect(audit.data.namespace.audit.edges[0]!.node).toEqual({ version: { hash: await head('team-a') }, operator: { email: EDITOR.email } });
    });

    it('has no input field for the operator: sending one is a GraphQL validation error and commits nothing', async () => {
      const res = await unchanged('team-a', (current) =>
        fetch(`${h.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${EDITOR.token}` },
          body: JSON.stringify({
            query: PUT_CONFIG,
            variables: {
              input: {
                namespace: 'team-a',
                path: 'op.json',
                content: {},
                expectedVersion: current,
                operator: { name: 'Mallory', email: 'mallory@evil.example' },
              },
            },
          }),
        }),
      );
      expect(res.status).toBe(400);
    });

    it('over WebSocket, connection params other than the token do not change the operator', async () => {
      const client = createClient({
        url: `${h.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: {
          authorization: `Bearer ${EDITOR.token}`,
          operator: 'Mallory',
          name: 'Mallory',
          email: 'mallory@evil.example',
          'x-forwarded-for': '10.6.6.6',
        },
        retryAttempts: 0,
        lazy: true,
      });
      try {
        const current = await head('team-a');
        const result = await new Promise<{ data?: { putConfig: WriteResult }; errors?: unknown }>((resolve, reject) => {
          let value: { data?: { putConfig: WriteResult }; errors?: unknown } | null = null;
          client.subscribe<{ putConfig: WriteResult }>(
            { query: PUT_CONFIG, variables: { input: { namespace: 'team-a', path: 'over-ws.json', content: { ws: true }, expectedVersion: current } } },
            { next: (v) => (value = v as never), error: reject, complete: () => resolve(value ?? {}) },
          );
        });
        expect(result.errors).toBeUndefined();
        expect(result.data!.putConfig.status).toBe('COMMITTED');
        expect(h.git('team-a', 'log', '-1', '--format=%an|%ae|%(trailers:key=Cairn-Operator-IP,valueonly,separator=)').trim()).toMatch(
          /^Ed Editor\|ed@example\.com\|(127\.0\.0\.1|::ffff:127\.0\.0\.1|::1)$/,
        );
      } finally {
        await client.dispose();
      }
    });
  });

  describe('the change feed without a namespace filter', () => {
    /**
     * Subscribes, then writes markers to `syncNs` until one arrives (the subscription is then live), then
     * writes to team-b and then team-a: events are delivered in commit order, so a team-b event would arrive
     * before the final team-a event.
     */
    async function feedOf(token: string, syncNs: Ns) {
      const client = h.ws(token);
      const sub = listen(client, {});
      const markers = new Set<string>();
      for (let i = 0; sub.events.length === 0; i += 1) {
        if (i > 100) throw new Error(`subscription never became live; failure=${JSON.stringify(sub.failure())}`);
        markers.add(await adminPut(syncNs, `sync/${token}-${i}.json`, { i }));
        await new Promise((r) => setTimeout(r, 20));
      }
      const inB = await adminPut('team-b', `feed/${token}.json`, { b: true });
      const inC = await adminPut('team-c', `feed/${token}.json`, { c: true });
      const inA = await adminPut('team-a', `feed/${token}.json`, { a: true });
      await sub.until(`the team-a event ${inA}`, () => sub.events.some((e) => e.version === inA));
      sub.dispose();
      // Markers written before the subscription was live may still trail in; they are not part of the check.
      return { events: sub.events.filter((e) => !markers.has(e.version)), inA, inB, inC, all: sub.events };
    }

    it('a viewer of team-a receives only team-a events', async () => {
      const { events, inA, all } = await feedOf(VIEWER.token, 'team-a');
      expect(events.map((e) => e.version)).toEqual([inA]);
      expect(all.every((e) => e.namespace === 'team-a')).toBe(true);
    });

    it('an editor of team-a (viewer of team-b) receives team-a and team-b events but not team-c', async () => {
      const { events, inA, inB } = await feedOf(EDITOR.token, 'team-a');
      expect(events.map((e) => [e.namespace, e.version])).toEqual([
        ['team-b', inB],
        ['team-a', inA],
      ]);
    });

    it('an admin receives events of every namespace', async () => {
      const { events, inA, inB, inC } = await feedOf(ADMIN.token, 'team-a');
      expect(events.map((e) => [e.namespace, e.version])).toEqual([
        ['team-b', inB],
        ['team-c', inC],
        ['team-a', inA],
      ]);
    });

    it('a viewer of team-a cannot subscribe to team-b, with or without since, nor replay it', async () => {
      for (const variables of [{ ns: 'team-b' }, { ns: 'team-b', since: 'HEAD~1' }, { ns: 'team-b', prefix: 'app' }]) {
        const sub = listen(h.ws(VIEWER.token), variables);
        await sub.until('the refusal', () => sub.failure() !== null || sub.completed());
        expect(sub.events).toEqual([]);
        expect((sub.failure() as { extensions?: { code?: string } }[])[0]!.extensions?.code).toBe('FORBIDDEN');
        sub.dispose();
      }
    });
  });

  it('the server still serves, and every repository passes git fsck --strict', async () => {
    const res = await h.gql<{ namespaces: { edges: unknown[] } }>(NAMESPACES_QUERY, {}, ADMIN.token);
    expect(res.status).toBe(200);
    for (const ns of ['team-a', 'team-b', 'team-c']) h.git(ns, 'fsck', '--strict');
    // Refused writers never appear as authors.
    for (const ns of ['team-b', 'team-c'])
      expect(
        h
          .git(ns, 'log', '--format=%ae')
          .trim()
          .split('\n')
          .every((e) => e === ADMIN.email),
      ).toBe(true);
    expect(
      h
        .git('team-a', 'log', '--format=%ae')
        .trim()
        .split('\n')
        .filter((e) => e === VIEWER.email || e === REVOKED.email),
    ).toEqual([]);
  });
});
