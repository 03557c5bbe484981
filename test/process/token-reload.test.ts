import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHANGES_SUBSCRIPTION } from '../support/operations.js';
import { type ServerProcess, listeningUrl, startServerProcess } from '../support/server-process.js';
import type { TestToken } from '../support/tokens.js';
import { until } from '../support/until.js';

/**
 * A real server process: the tokens file is read again when it changes (written in place or replaced by a rename)
 * and on SIGHUP, without a restart; a file that does not parse keeps the tokens in force; and a live graphql-ws
 * subscription is closed (4403) when its token is revoked through the API, removed from the file, or expires.
 */
const ADMIN: TestToken = { token: 'reload-admin-token', name: 'Ada Admin', email: 'ada@example.com', roles: { '*': 'admin' } };
const LATE: TestToken = { token: 'late-comer-token', name: 'Lee Late', email: 'lee@example.com', roles: { '*': 'viewer' } };
const WATCHER: TestToken = { token: 'file-watcher-token', name: 'Wes Watcher', email: 'wes@example.com', roles: { '*': 'viewer' } };

const VIEWER = `{ viewer { email } }`;
const CREATE = `mutation($input: CreateServiceTokenInput!) { createServiceToken(input: $input) { __typename ... on ServiceTokenSecretPayload { secret token { id } } } }`;
const REVOKE = `mutation($id: String!) { revokeServiceToken(input: { id: $id }) { __typename } }`;

interface Subscription {
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly client: Client;
}

describe('tokens in a running server process', () => {
  let dir: string;
  let file: string;
  let server: ServerProcess;
  let url: string;
  const clients: Client[] = [];

  const writeTokens = (tokens: TestToken[], target = file): void => writeFileSync(target, JSON.stringify({ tokens }));
  const status = async (token: string): Promise<number> =>
    (
      await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: VIEWER }),
      })
    ).status;
  const gql = async <T>(query: string, variables: object, token = ADMIN.token): Promise<T> => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return ((await res.json()) as { data: T }).data;
  };
  /** A subscription to the change feed, acknowledged by the server before this resolves. */
  const subscribe = async (token: string): Promise<Subscription> => {
    let acknowledged!: () => void;
    const ready = new Promise<void>((resolve) => (acknowledged = resolve));
    let closedWith!: (event: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => (closedWith = resolve));
    const client = createClient({
      url: `${url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
      on: {
        connected: () => acknowledged(),
        closed: (event) => closedWith(event as { code: number; reason: string }),
      },
    });
    clients.push(client);
    client.subscribe({ query: CHANGES_SUBSCRIPTION, variables: {} }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    await ready;
    return { closed, client };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cairn-tokens-'));
    file = path.join(dir, 'tokens.json');
    writeTokens([ADMIN, WATCHER]);
    server = startServerProcess({ CAIRN_DATA_DIR: path.join(dir, 'repos'), CAIRN_PORT: '0', CAIRN_TOKENS_FILE: file, CAIRN_FSYNC: 'false' });
    url = await listeningUrl(server);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the file again when it changes, written in place or replaced by a rename', async () => {
    expect(await status(LATE.token)).toBe(401);
    writeTokens([ADMIN, WATCHER, LATE]);
    await until(
      'the new token to be accepted',
      () => status(LATE.token),
      (s) => s === 200,
      5_000,
    );
    const replacement = path.join(dir, 'tokens.json.new');
    writeTokens([ADMIN, WATCHER], replacement);
    renameSync(replacement, file);
    await until(
      'the removed token to be refused',
      () => status(LATE.token),
      (s) => s === 401,
      5_000,
    );
  });

  it('keeps the tokens in force when the new file is invalid, and logs an error without its content', async () => {
    const before = server.lines.length;
    writeFileSync(file, '{ "tokens": [ { "name": "Broken", "token": "secret-in-a-broken-file"');
    await until(
      'the error to be logged',
      () => server.lines.slice(before).join('\n'),
      (text) => text.includes('tokens file is invalid'),
      5_000,
    );
    expect(server.lines.slice(before).join('\n')).not.toContain('secret-in-a-broken-file');
    expect(await status(ADMIN.token)).toBe(200);
    expect(await status(WATCHER.token)).toBe(200);
    writeTokens([ADMIN, WATCHER, LATE]);
    await until(
      'the repaired file to be read',
      () => status(LATE.token),
      (s) => s === 200,
      5_000,
    );
  });

  it('reads the file again on SIGHUP, watch off (and goes on serving); a token removed there has its subscription closed with 4403', async () => {
    const quietFile = path.join(dir, 'quiet-tokens.json');
    writeTokens([ADMIN, WATCHER], quietFile);
    const quiet = startServerProcess({
      CAIRN_DATA_DIR: path.join(dir, 'quiet-repos'),
      CAIRN_PORT: '0',
      CAIRN_TOKENS_FILE: quietFile,
      CAIRN_TOKENS_WATCH: 'false',
      CAIRN_FSYNC: 'false',
    });
    const mainUrl = url;
    try {
      url = await listeningUrl(quiet);
      writeTokens([ADMIN, WATCHER, LATE], quietFile);
      await new Promise((r) => setTimeout(r, 300));
      expect(await status(LATE.token)).toBe(401);
      quiet.child.kill('SIGHUP');
      await until(
        'the token added before SIGHUP to be accepted',
        () => status(LATE.token),
        (s) => s === 200,
        5_000,
      );
      expect(quiet.lines.join('\n')).toContain('reloading the tokens file');
      expect(quiet.child.exitCode).toBeNull();

      const sub = await subscribe(WATCHER.token);
      writeTokens([ADMIN, LATE], quietFile);
      quiet.child.kill('SIGHUP');
      expect(await sub.closed).toMatchObject({ code: 4403, reason: 'token unknown' });
    } finally {
      url = mainUrl;
      quiet.child.kill('SIGKILL');
      await quiet.exited;
    }
  });

  it('closes the live subscription of a service token revoked through the API, and of one that expires', async () => {
    const made = await gql<{ createServiceToken: { secret: string; token: { id: string } } }>(CREATE, {
      input: { name: 'feed bot', grants: [{ pattern: '*', role: 'VIEWER' }] },
    });
    const sub = await subscribe(made.createServiceToken.secret);
    const untouched = await subscribe(LATE.token);
    expect((await gql<{ revokeServiceToken: { __typename: string } }>(REVOKE, { id: made.createServiceToken.token.id })).revokeServiceToken.__typename).toBe(
      'ServiceToken',
    );
    expect(await sub.closed).toMatchObject({ code: 4403, reason: 'token revoked' });

    const brief = await gql<{ createServiceToken: { secret: string } }>(CREATE, {
      input: { name: 'brief bot', grants: [{ pattern: '*', role: 'VIEWER' }], expiresAt: new Date(Date.now() + 1_500).toISOString() },
    });
    const expiring = await subscribe(brief.createServiceToken.secret);
    expect(await expiring.closed).toMatchObject({ code: 4403, reason: 'token expired' });
    const stillOpen = await Promise.race([untouched.closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('open'), 100))]);
    expect(stillOpen).toBe('open');
  });
});
