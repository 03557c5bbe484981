import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { ADMIN, EDITOR, type TestToken, VIEWER } from '../support/tokens.js';
import { failureOf } from '../support/http-failure.js';

/** GET /v1/audit/<namespace>: the audit log exported as CSV or JSON Lines, checked against `git log`. */

const OUTSIDER: TestToken = { token: 'outsider-token', name: 'Outsider', email: 'out@example.com', roles: { elsewhere: 'viewer' } };

describe('GET /v1/audit/<namespace>', () => {
  let h: Harness;
  const exportOf = (query: string, token: string | null = VIEWER.token): Promise<Response> =>
    fetch(`${h.url}/v1/audit/${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADMIN, EDITOR, VIEWER, OUTSIDER], transport: 'http' });
    await h.gql(CREATE_NAMESPACE, { name: 'shop' }, ADMIN.token);
    let head: string | null = null;
    const comments = ['first', 'a "quoted" word, and a comma', '=HYPERLINK("http://evil")'];
    for (const [i, comment] of comments.entries()) {
      const token = i === 1 ? ADMIN.token : EDITOR.token;
      const res: { data: { putConfig: WriteResult } } = await h.gql<{ putConfig: WriteResult }>(
        PUT_CONFIG,
        { input: { namespace: 'shop', path: `doc${i}.json`, content: { i }, expectedVersion: head, comment } },
        token,
      );
      head = res.data.putConfig.version!.hash;
    }
  });

  afterAll(() => h?.close());

  it('exports every entry as JSON Lines, newest first, as git log has them', async () => {
    const res = await exportOf('shop');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const rows = (await res.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { version: string; action: string; operatorEmail: string; comment: string; paths: string[] });
    const log = h.git('shop', 'log', '--format=%H %ae').trim().split('\n');
    expect(rows.map((r) => `${r.version} ${r.operatorEmail}`)).toEqual(log);
    expect(rows[1]).toMatchObject({ action: 'create', comment: 'a "quoted" word, and a comma', paths: ['doc1.json'] });
  });

  it('filters like the API (a part of the operator, the action) and writes RFC 4180 CSV that no spreadsheet runs as a formula', async () => {
    const res = await exportOf('shop?format=csv&operator=ada&action=create');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="shop-audit.csv"');
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('version,time,action,operatorName,operatorEmail,operatorIp,comment,paths');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"Ada Admin","ada@example.com","127.0.0.1","a ""quoted"" word, and a comma","doc1.json"');
    const all = (await (await exportOf('shop?format=csv')).text()).split('\r\n');
    expect(all.find((line) => line.includes('HYPERLINK'))).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('answers failures as JSON with their HTTP status', async () => {
    const error = failureOf;
    expect(await error(await exportOf('shop', null))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await error(await exportOf('shop', OUTSIDER.token))).toEqual([403, 'FORBIDDEN']);
    expect(await error(await exportOf('nowhere'))).toEqual([404, 'NOT_FOUND']);
    expect(await error(await exportOf('shop?action=explode'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await exportOf('shop?format=xml'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await exportOf('shop?since=yesterday'))).toEqual([400, 'INVALID_INPUT']);
    expect(await error(await exportOf('shop?subject=everything'))).toEqual([400, 'INVALID_INPUT']);
  });

  it('filters by what a change touched (subject), as the API does', async () => {
    const res = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      {
        input: { namespace: 'shop', path: '.cairn/policy.json', content: { protectedTags: ['release/*'] }, expectedVersion: null, comment: 'Protect releases' },
      },
      ADMIN.token,
    );
    const rows = (await (await exportOf('shop?subject=policy')).text()).trim().split('\n');
    expect(rows.map((line) => (JSON.parse(line) as { version: string }).version)).toEqual([res.data.putConfig.version!.hash]);
  });

  it('exports the audit of every namespace one may read at /v1/audit, namespace first, with the same filters', async () => {
    await h.gql(CREATE_NAMESPACE, { name: 'depot' }, ADMIN.token);
    await h.gql(PUT_CONFIG, { input: { namespace: 'depot', path: 'stock.json', content: { n: 1 }, expectedVersion: null, comment: 'Stock' } }, EDITOR.token);
    const across = (query: string, token = VIEWER.token): Promise<Response> =>
      fetch(`${h.url}/v1/audit${query}`, { headers: { authorization: `Bearer ${token}` } });

    const res = await across('?format=csv&operator=ed@');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="all-namespaces-audit.csv"');
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('namespace,version,time,action,operatorName,operatorEmail,operatorIp,comment,paths');
    const expected = [
      ...h.git('depot', 'log', '--author=ed@', '--format="depot","%H"').trim().split('\n'),
      ...h.git('shop', 'log', '--author=ed@', '--format="shop","%H"').trim().split('\n'),
    ];
    expect(
      lines
        .slice(1)
        .map((line) => line.split(',').slice(0, 2).join(','))
        .sort(),
    ).toEqual(expected.sort());

    // Only the namespaces the token may read.
    const outsider = await (await across('?format=jsonl', OUTSIDER.token)).text();
    expect(outsider).toBe('');
    expect(await failureOf(await across('?action=propose'))).toEqual([400, 'INVALID_INPUT']);
  });
});
