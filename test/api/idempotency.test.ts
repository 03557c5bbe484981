import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startServer } from '../../src/server/app.js';
import { readSettings } from '../../src/server/settings.js';
import { type Harness, startHarness } from '../support/harness.js';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { CREATE_NAMESPACE, ERROR_FIELDS, PAYLOAD_FIELDS, type WriteResult } from '../support/operations.js';

const ADA = { token: 'ada-token-12345', name: 'Ada Admin', email: 'ada@example.com', roles: { '*': 'admin' as const } };
const BOB = { token: 'bob-token-12345', name: 'Bob Admin', email: 'bob@example.com', roles: { '*': 'admin' as const } };

const RESULT = `${PAYLOAD_FIELDS} ${ERROR_FIELDS} ... on IdempotencyKeyReused { requestId firstVersion }`;
const PUT_CONFIG = `mutation($input: PutConfigInput!) { putConfig(input: $input) { ${RESULT} } }`;
const DELETE_CONFIG = `mutation($input: DeleteConfigInput!) { deleteConfig(input: $input) { ${RESULT} } }`;
const ROLLBACK = `mutation($input: RollbackInput!) { rollback(input: $input) { ${RESULT} } }`;
const REVERT = `mutation($input: RevertInput!) { revert(input: $input) { ${RESULT} } }`;

/**
 * An idempotency key is bound to the request it first came with (namespace, operator, operation, payload), after
 * the IETF httpapi Idempotency-Key draft: the same request replays, any other one is refused and changes nothing.
 */
describe('requestId is bound to its request', () => {
  let h: Harness;
  let head = '';
  const put = async (input: Record<string, unknown>, token = ADA.token): Promise<WriteResult> =>
    (await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'idem', ...input } }, token)).data.putConfig;
  const rev = (): string => h.git('idem', 'rev-parse', 'HEAD').trim();
  const commits = (): number => Number(h.git('idem', 'rev-list', '--count', 'HEAD').trim());

  beforeAll(async () => {
    h = await startHarness({ tokens: [ADA, BOB] });
    await h.gql(CREATE_NAMESPACE, { name: 'idem' });
    const first = await put({ path: 'app.yaml', text: 'replicas: 1\n', expectedVersion: null });
    const second = await put({ path: 'x.yaml', text: 'v: 1\n', expectedVersion: first.version!.hash, requestId: 'R' });
    expect(second.status).toBe('COMMITTED');
    head = second.version!.hash;
  });
  let restarted = false;
  afterAll(async () => {
    // The last test closed the harness's server itself to restart on the same data directory.
    if (restarted) rmSync(path.dirname(h.dataDir), { recursive: true, force: true });
    else await h.close();
  });

  it('replays the same request, with the first version and no new commit', async () => {
    const again = await put({ path: 'x.yaml', text: 'v: 1\n', expectedVersion: h.git('idem', 'rev-parse', `${head}~1`).trim(), requestId: 'R' });
    expect(again.status).toBe('REPLAYED');
    expect(again.version!.hash).toBe(head);
    expect(h.git('idem', 'log', '-1', '--format=%(trailers:key=Cairn-Request-Fingerprint,valueonly)', head).trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['another value for the same document', { path: 'x.yaml', text: 'v: 2\n' }],
    ['another document', { path: 'y.yaml', text: 'v: 1\n' }],
    ['another comment', { path: 'x.yaml', text: 'v: 1\n', comment: 'not the same request' }],
  ])('refuses the key with %s', async (_label, change) => {
    const before = commits();
    const res = await put({ ...change, expectedVersion: h.git('idem', 'rev-parse', `${head}~1`).trim(), requestId: 'R' });
    expect(res).toMatchObject({ __typename: 'IdempotencyKeyReused', code: 'IDEMPOTENCY_KEY_REUSED', requestId: 'R', firstVersion: head });
    expect(commits()).toBe(before);
  });

  it('refuses the key for a delete, a rollback and a revert', async () => {
    const before = commits();
    const del = (
      await h.gql<{ deleteConfig: WriteResult }>(DELETE_CONFIG, { input: { namespace: 'idem', path: 'app.yaml', expectedVersion: rev(), requestId: 'R' } })
    ).data.deleteConfig;
    const rb = (await h.gql<{ rollback: WriteResult }>(ROLLBACK, { input: { namespace: 'idem', to: 'HEAD~1', expectedVersion: rev(), requestId: 'R' } })).data
      .rollback;
    const rv = (await h.gql<{ revert: WriteResult }>(REVERT, { input: { namespace: 'idem', version: head, expectedVersion: rev(), requestId: 'R' } })).data
      .revert;
    for (const res of [del, rb, rv]) expect(res).toMatchObject({ __typename: 'IdempotencyKeyReused', firstVersion: head });
    expect(commits()).toBe(before);
    expect(h.git('idem', 'show', 'HEAD:app.yaml')).toBe('replicas: 1\n');
  });

  it("refuses another operator's use of the key, even with the same payload", async () => {
    const before = commits();
    const res = await put({ path: 'x.yaml', text: 'v: 1\n', expectedVersion: h.git('idem', 'rev-parse', `${head}~1`).trim(), requestId: 'R' }, BOB.token);
    expect(res).toMatchObject({ __typename: 'IdempotencyKeyReused', firstVersion: head });
    expect(commits()).toBe(before);
  });

  it('keeps the binding across a restart (it is in the commit)', async () => {
    const tokensFile = path.join(path.dirname(h.dataDir), 'tokens.json');
    const settings = readSettings({ CAIRN_DATA_DIR: h.dataDir, CAIRN_PORT: '0', CAIRN_FSYNC: 'false', CAIRN_TOKENS_FILE: tokensFile });
    await h.server.close();
    restarted = true;
    const again = await startServer(settings, { logger: pino({ level: 'silent' }) });
    const call = async (text: string, token: string): Promise<WriteResult> => {
      const input = { namespace: 'idem', path: 'x.yaml', text, expectedVersion: h.git('idem', 'rev-parse', `${head}~1`).trim(), requestId: 'R' };
      const res = await fetch(`${again.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: PUT_CONFIG, variables: { input } }),
      });
      return ((await res.json()) as { data: { putConfig: WriteResult } }).data.putConfig;
    };
    try {
      expect(await call('v: 1\n', ADA.token)).toMatchObject({ status: 'REPLAYED', version: { hash: head } });
      expect(await call('v: 9\n', ADA.token)).toMatchObject({ __typename: 'IdempotencyKeyReused', firstVersion: head });
      expect(await call('v: 1\n', BOB.token)).toMatchObject({ __typename: 'IdempotencyKeyReused', firstVersion: head });
    } finally {
      await again.close();
    }
    h.git('idem', 'fsck', '--strict');
  });
});
