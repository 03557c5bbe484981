import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CREATE_TAG, DELETE_TAG } from '../support/tag-operations.js';
import { ADMIN, EDITOR, VIEWER } from '../support/tokens.js';
import { CREATE_WEBHOOK, DELETE_WEBHOOK, ROTATE_SECRET, UPDATE_WEBHOOK } from '../support/webhook-operations.js';

const NS = 'adminlog';
const AUDIT = `query($ns: String!, $first: Int, $after: String, $filter: AuditFilter) { namespace(name: $ns) { ... on Namespace {
  audit(first: $first, after: $after, filter: $filter) {
    edges { cursor node { action comment operator { email } operatorIp paths namespace version { hash } } }
    pageInfo { hasNextPage endCursor } } } } }`;
const AUDIT_ACROSS = `query($filter: AuditFilter) { audit(first: 10, filter: $filter) { edges { node { action } } } }`;

interface Entry {
  action: string;
  comment: string;
  operator: { email: string };
  operatorIp: string | null;
  paths: string[];
  namespace: string;
  version: { hash: string };
}
interface AuditPage {
  edges: { cursor: string; node: Entry }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Tag and webhook changes are not commits of main, yet they are the namespace's history: each is recorded as a commit
 * on the namespace's `admin-log` branch through the write pipeline, read by the audit log as actions TAG, UNTAG and
 * WEBHOOK, and by plain `git log admin-log`. The webhook's secret never reaches it.
 */
describe('the admin log: tag and webhook changes in the audit', () => {
  let h: Harness;
  let mainHead = '';
  const secrets: string[] = [];
  const audit = async (filter: Record<string, unknown>, first = 50, after: string | null = null, token = VIEWER.token): Promise<AuditPage> => {
    const res = await h.gql<{ namespace: { audit: AuditPage } }>(AUDIT, { ns: NS, first, after, filter }, token);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data.namespace.audit;
  };

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER], env: { CAIRN_WEBHOOK_ALLOW: '127.0.0.1/32' } });
    await h.gql(CREATE_NAMESPACE, { name: NS }, ADMIN.token);
    const put = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: NS, path: 'app.json', content: { a: 1 }, expectedVersion: null } },
      EDITOR.token,
    );
    mainHead = put.data.putConfig.version?.hash ?? '';

    await h.gql(CREATE_TAG, { input: { namespace: NS, name: 'v1', version: 'HEAD', message: 'first cut' } }, EDITOR.token);
    await h.gql(CREATE_TAG, { input: { namespace: NS, name: 'release/2', version: 'HEAD' } }, EDITOR.token);
    await h.gql(DELETE_TAG, { input: { namespace: NS, name: 'v1' } }, ADMIN.token);

    const created = await h.gql<{ createWebhook: { secret: string; webhook: { id: string } } }>(
      CREATE_WEBHOOK,
      { input: { namespace: NS, url: 'http://127.0.0.1:9/hook?token=url-credential-42', comment: 'notify the deployer' } },
      ADMIN.token,
    );
    const id = created.data.createWebhook.webhook.id;
    secrets.push(created.data.createWebhook.secret);
    await h.gql(UPDATE_WEBHOOK, { input: { id, pathPrefix: 'services/' } }, ADMIN.token);
    const rotated = await h.gql<{ rotateWebhookSecret: { secret: string } }>(ROTATE_SECRET, { id }, ADMIN.token);
    secrets.push(rotated.data.rotateWebhookSecret.secret);
    await h.gql(DELETE_WEBHOOK, { id }, ADMIN.token);
  });
  afterAll(() => h.close());

  it('answers tag creations and deletions as TAG and UNTAG entries, newest first, with who, from where and why', async () => {
    const tags = await audit({ action: 'TAG' });
    expect(tags.edges.map((e) => e.node)).toMatchObject([
      { action: 'TAG', paths: ['tags/release/2.json'], operator: { email: EDITOR.email }, namespace: NS },
      { action: 'TAG', paths: ['tags/v1.json'], comment: `tag v1 at ${mainHead.slice(0, 12)}: first cut`, operator: { email: EDITOR.email } },
    ]);
    expect(tags.edges[0]?.node.operatorIp).toBeTruthy();
    expect((await audit({ action: 'UNTAG' })).edges.map((e) => e.node)).toMatchObject([
      { action: 'UNTAG', paths: ['tags/v1.json'], comment: `delete tag v1 (it was at ${mainHead.slice(0, 12)})`, operator: { email: ADMIN.email } },
    ]);
  });

  it('answers every webhook change (create, update, rotation, delete) as WEBHOOK entries', async () => {
    const hooks = (await audit({ action: 'WEBHOOK' })).edges.map((e) => e.node);
    expect(hooks.map((e) => e.comment)).toEqual([
      expect.stringMatching(/^delete webhook wh_/),
      expect.stringMatching(/^rotate the secret of webhook wh_/),
      expect.stringMatching(/^update webhook wh_/),
      'notify the deployer',
    ]);
    expect(new Set(hooks.map((e) => e.operator.email))).toEqual(new Set([ADMIN.email]));
    expect(await audit({ action: 'WEBHOOK', operator: 'ed@' })).toMatchObject({ edges: [] });
  });

  it('keeps the tree as things are, whatever order records land in', async () => {
    expect(JSON.parse(h.git(NS, 'show', 'admin-log:tags/release/2.json'))).toMatchObject({ message: '' });
    expect(() => h.git(NS, 'show', 'admin-log:tags/v1.json')).toThrow();
  });

  it('pages with cursors that stay put while records land', async () => {
    const first = await audit({ action: 'WEBHOOK' }, 3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    await h.gql(CREATE_TAG, { input: { namespace: NS, name: 'v3', version: 'HEAD' } }, EDITOR.token);
    const rest = await audit({ action: 'WEBHOOK' }, 3, first.pageInfo.endCursor);
    expect(rest.edges.map((e) => e.node.comment)).toEqual(['notify the deployer']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const bad = await h.gql(AUDIT, { ns: NS, first: 3, after: 'bm9wZQ', filter: { action: 'WEBHOOK' } }, VIEWER.token);
    expect(JSON.stringify(bad)).toContain('invalid cursor');
  });

  it('is a branch git reads: trailers, the records as files, never a secret, fsck clean, main untouched', async () => {
    expect(h.git(NS, 'rev-parse', 'main').trim()).toBe(mainHead);
    const log = h.git(NS, 'log', '--format=%an <%ae>|%(trailers:key=Cairn-Action,valueonly,separator=)', 'admin-log');
    expect(log.trim().split('\n')).toEqual([
      `${EDITOR.name} <${EDITOR.email}>|tag`,
      ...Array.from({ length: 4 }, () => `${ADMIN.name} <${ADMIN.email}>|webhook`),
      `${ADMIN.name} <${ADMIN.email}>|untag`,
      `${EDITOR.name} <${EDITOR.email}>|tag`,
      `${EDITOR.name} <${EDITOR.email}>|tag`,
    ]);
    expect(h.git(NS, 'ls-tree', '-r', '--name-only', 'admin-log').trim().split('\n')).toEqual(['tags/release/2.json', 'tags/v3.json']);
    expect(JSON.parse(h.git(NS, 'show', 'admin-log:tags/v3.json'))).toEqual({ version: mainHead, message: '' });
    const everything = h.git(NS, 'log', '-p', 'admin-log');
    expect(everything).toContain('"pathPrefix": "services/"');
    expect(everything).toContain('"site": "http://127.0.0.1:9"');
    // Viewers read this log: neither the signing secrets nor a credential in the URL's path or query.
    for (const secret of [...secrets, 'url-credential-42', '/hook']) expect(everything).not.toContain(secret);
    h.git(NS, 'fsck', '--strict');
  });

  it('across namespaces says where those records are', async () => {
    const res = await h.gql(AUDIT_ACROSS, { filter: { action: 'TAG' } }, VIEWER.token);
    expect(JSON.stringify(res)).toContain('on each namespace audit');
  });
});
