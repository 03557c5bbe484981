import { createPublicKey } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { CREATE_NAMESPACE, PUT_CONFIG, type WriteResult } from '../support/operations.js';
import { CAIRN_AUDIENCE, type SigningKey, type TestProvider, newSigningKey, startTestProvider } from '../support/oidc-provider.js';
import { ADMIN } from '../support/tokens.js';

/**
 * Single sign-on against a real OpenID provider (oidc-provider, in this process, on a loopback port): its access
 * tokens (JWTs, client credentials grant) authenticate against a real Cairn server, whose commits then carry the
 * token's name and email; forged, expired, misdirected and oversized tokens are refused; a provider whose keys
 * hang or are garbage makes a bounded refusal. Nothing of any token reaches the logs.
 */

const ROLES = `
platform-admins: { "*": admin }
team-a: { "team-a-*": editor }
readers: { "*": viewer }
`;

const VIEWER_QUERY = `query($a: String!, $b: String!) { viewer { name email a: role(namespace: $a) b: role(namespace: $b) } }`;

interface Refusal {
  readonly status: number;
  readonly code: string | undefined;
  readonly message: string | undefined;
}

class LogLines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
}

/** Every token presented in this file: none of them, nor their signatures, may be in any log line. */
const presented = new Set<string>();

let provider: TestProvider;
let otherIssuer: TestProvider;
let h: Harness;
let clockOffsetMs = 0;
const logs = new LogLines();

async function tokenFor(client: string, claims: Record<string, unknown>, resource?: string): Promise<string> {
  provider.setClaims(client, claims);
  const token = await provider.token(client, resource);
  presented.add(token);
  return token;
}

async function viewer(token: string): Promise<{ status: number; data: { viewer: { name: string; email: string; a: string | null; b: string | null } } }> {
  presented.add(token);
  return h.gql(VIEWER_QUERY, { a: 'team-a-app', b: 'billing' }, token);
}

async function refusal(token: string): Promise<Refusal> {
  presented.add(token);
  const res = await h.gql(VIEWER_QUERY, { a: 'team-a-app', b: 'billing' }, token);
  return { status: res.status, code: res.errors?.[0]?.extensions?.code, message: res.errors?.[0]?.message };
}

const refused = (reason: string): Refusal => ({ status: 401, code: 'UNAUTHENTICATED', message: `unauthenticated: ${reason} token` });

/** A token signed by `key` with `header` and `claims` around the ones a valid token of the provider has. */
async function signed(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const standard = { iss: provider.issuer, aud: CAIRN_AUDIENCE, iat: now, exp: now + 600 };
  return new SignJWT({ ...standard, name: 'Mallory', email: 'mallory@example.com', groups: ['platform-admins'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
    .sign(await importJWK(key.privateJwk, 'RS256'));
}

beforeAll(async () => {
  provider = await startTestProvider({ clients: ['alice-app', 'bob-app', 'robot-app'] });
  // Another provider holding the very same keys: only the issuer tells its tokens apart.
  otherIssuer = await startTestProvider({ clients: ['alice-app'], keys: [provider.signingKey] });
  h = await startHarness({
    tokens: [ADMIN],
    clock: () => new Date(Date.now() + clockOffsetMs),
    logger: pino({ level: 'debug' }, logs),
    env: {
      CAIRN_OIDC_ISSUER: provider.issuer,
      CAIRN_OIDC_AUDIENCE: CAIRN_AUDIENCE,
      CAIRN_OIDC_ROLES: ROLES,
      // Every unknown kid may fetch the keys again at once: key rotation is seen on the next token.
      CAIRN_OIDC_JWKS_COOLDOWN_MS: '0',
    },
  });
  for (const name of ['team-a-app', 'billing']) {
    const created = await h.gql<{ createNamespace: { __typename: string } }>(CREATE_NAMESPACE, { name }, ADMIN.token);
    expect(created.data.createNamespace.__typename).toBe('Namespace');
  }
});

afterAll(async () => {
  await h?.close();
  await provider?.close();
  await otherIssuer?.close();
});

describe('tokens of the provider', () => {
  it("authenticate with the token's name and email, and its groups' roles; the commit's author is that identity", async () => {
    const token = await tokenFor('alice-app', { name: 'Alice Example', email: 'alice@example.com', groups: ['team-a'] });
    const res = await viewer(token);
    expect(res.status).toBe(200);
    expect(res.data.viewer).toEqual({ name: 'Alice Example', email: 'alice@example.com', a: 'EDITOR', b: null });
    const put = await h.gql<{ putConfig: WriteResult }>(
      PUT_CONFIG,
      { input: { namespace: 'team-a-app', path: 'app.json', content: { replicas: 2 }, comment: 'by single sign-on' } },
      token,
    );
    expect(put.data.putConfig.status, JSON.stringify(put)).toBe('COMMITTED');
    expect(h.git('team-a-app', 'log', '-1', '--format=%an <%ae>|%s').trim()).toBe('Alice Example <alice@example.com>|by single sign-on');
    expect(h.git('team-a-app', 'fsck', '--strict').trim()).toBe('');
  });

  it('the tokens file still works beside them', async () => {
    const res = await h.gql<{ viewer: { email: string } }>('{ viewer { email } }', {}, ADMIN.token);
    expect(res.data.viewer.email).toBe(ADMIN.email);
  });

  it('someone in several groups holds the highest role any of them gives in each namespace', async () => {
    const token = await tokenFor('bob-app', { name: 'Bob', email: 'bob@example.com', groups: ['readers', 'team-a', 'not-mapped'] });
    expect((await viewer(token)).data.viewer).toMatchObject({ a: 'EDITOR', b: 'VIEWER' });
  });

  it('a group change takes effect with the next token', async () => {
    const before = await tokenFor('bob-app', { name: 'Bob', email: 'bob@example.com', groups: ['readers'] });
    const denied = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'billing', path: 'rates.json', content: { vat: 20 } } }, before);
    expect(denied.data.putConfig.__typename).toBe('Forbidden');
    const after = await tokenFor('bob-app', { name: 'Bob', email: 'bob@example.com', groups: ['platform-admins'] });
    expect((await viewer(after)).data.viewer).toMatchObject({ a: 'ADMIN', b: 'ADMIN' });
    const put = await h.gql<{ putConfig: WriteResult }>(PUT_CONFIG, { input: { namespace: 'billing', path: 'rates.json', content: { vat: 20 } } }, after);
    expect(put.data.putConfig.status).toBe('COMMITTED');
    expect(h.git('billing', 'log', '-1', '--format=%an <%ae>').trim()).toBe('Bob <bob@example.com>');
  });

  it('without a name claim the author is recorded by `sub`; without an email the token is refused', async () => {
    const unnamed = await tokenFor('robot-app', { email: 'robot@example.com', groups: ['readers'] });
    expect((await viewer(unnamed)).data.viewer).toMatchObject({ name: 'robot-app', email: 'robot@example.com' });
    const noEmail = await tokenFor('robot-app', { name: 'Robot', groups: ['readers'] });
    expect(await refusal(noEmail)).toEqual(refused('incomplete'));
    const unsafe = await tokenFor('robot-app', { name: 'Robot', email: 'robot@example.com>\nSigned-off-by: x', groups: ['readers'] });
    expect(await refusal(unsafe)).toEqual(refused('incomplete'));
  });

  it("a rotated key (new kid) is fetched on the first token it signs; the old key's tokens last while it is published", async () => {
    const old = await tokenFor('alice-app', { name: 'Alice Example', email: 'alice@example.com', groups: ['team-a'] });
    expect((await viewer(old)).status).toBe(200);
    const oldKid = provider.signingKey.kid;
    await provider.rotate();
    const rotated = await tokenFor('alice-app', { name: 'Alice Example', email: 'alice@example.com', groups: ['team-a'] });
    expect(decodeProtectedHeader(rotated).kid).not.toBe(oldKid);
    expect((await viewer(rotated)).data.viewer.email).toBe('alice@example.com');
    expect((await viewer(old)).status).toBe(200);
  });
});

describe('refused tokens', () => {
  it('an expired token; one just past `exp` within the clock skew still passes', async () => {
    const token = await tokenFor('alice-app', { name: 'Alice Example', email: 'alice@example.com', groups: ['team-a'] });
    const exp = decodeJwt(token).exp! * 1000;
    try {
      clockOffsetMs = exp - Date.now() + 10_000;
      expect((await viewer(token)).status).toBe(200);
      clockOffsetMs = exp - Date.now() + 3_600_000;
      expect(await refusal(token)).toEqual(refused('expired'));
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('a token not valid yet (`nbf` past the clock skew)', async () => {
    const token = await signed(provider.signingKey, { nbf: Math.floor(Date.now() / 1000) + 3600 });
    expect(await refusal(token)).toEqual(refused('premature'));
  });

  it('a token without `exp`', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ email: 'mallory@example.com', groups: ['platform-admins'] })
      .setProtectedHeader({ alg: 'RS256', kid: provider.signingKey.kid })
      .setIssuer(provider.issuer)
      .setAudience(CAIRN_AUDIENCE)
      .setIssuedAt(now)
      .sign(await importJWK(provider.signingKey.privateJwk, 'RS256'));
    expect(await refusal(token)).toEqual(refused('invalid'));
  });

  it('a token for another audience', async () => {
    const token = await tokenFor('alice-app', { name: 'Alice Example', email: 'alice@example.com', groups: ['platform-admins'] }, 'https://elsewhere.test/');
    expect(decodeJwt(token).aud).toBe('https://elsewhere.test/');
    expect(await refusal(token)).toEqual(refused('invalid'));
  });

  it('a token from another issuer, even one signed with the same keys', async () => {
    otherIssuer.setClaims('alice-app', { name: 'Alice Example', email: 'alice@example.com', groups: ['platform-admins'] });
    const token = await otherIssuer.token('alice-app');
    expect(await refusal(token)).toEqual(refused('invalid'));
  });

  it("the sanity check of the forgeries below: the provider's own key, with the same claims, passes", async () => {
    expect((await viewer(await signed(provider.signingKey, {}))).data.viewer).toMatchObject({ email: 'mallory@example.com', b: 'ADMIN' });
  });

  it('alg none', async () => {
    const part = (value: unknown): string => base64url.encode(JSON.stringify(value));
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: provider.issuer, aud: CAIRN_AUDIENCE, exp: now + 600, email: 'mallory@example.com', groups: ['platform-admins'] };
    expect(await refusal(`${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`)).toEqual(refused('invalid'));
    expect(await refusal(`${part({ alg: 'none', kid: provider.signingKey.kid })}.${part(claims)}.c2ln`)).toEqual(refused('invalid'));
  });

  it("HS256 with the provider's public key as the secret (PEM, DER and JWK)", async () => {
    const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    const published = jwks.keys.find((k) => k.kid === provider.signingKey.kid)!;
    const publicKey = createPublicKey({ key: published as never, format: 'jwk' });
    const secrets = [
      Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string),
      Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' }) as string),
      publicKey.export({ type: 'spki', format: 'der' }),
      Buffer.from(JSON.stringify(published)),
    ];
    for (const secret of secrets) {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ email: 'mallory@example.com', groups: ['platform-admins'] })
        .setProtectedHeader({ alg: 'HS256', kid: provider.signingKey.kid })
        .setIssuer(provider.issuer)
        .setAudience(CAIRN_AUDIENCE)
        .setExpirationTime(now + 600)
        .sign(new Uint8Array(secret));
      expect(await refusal(token)).toEqual(refused('invalid'));
    }
  });

  it('a kid the provider does not publish (a key of our own)', async () => {
    const foreign = await newSigningKey();
    expect(await refusal(await signed(foreign, {}))).toEqual(refused('invalid'));
    // Our own key under the provider's kid: the signature does not verify.
    expect(await refusal(await signed({ ...foreign, kid: provider.signingKey.kid }, {}))).toEqual(refused('invalid'));
  });

  it('tampered claims (groups, email, exp) on a real token', async () => {
    const token = await tokenFor('bob-app', { name: 'Bob', email: 'bob@example.com', groups: ['readers'] });
    const [header, , signature] = token.split('.') as [string, string, string];
    const claims = decodeJwt(token);
    for (const change of [{ groups: ['platform-admins'] }, { email: 'ceo@example.com' }, { exp: (claims.exp ?? 0) + 86_400 }]) {
      const forged = `${header}.${base64url.encode(JSON.stringify({ ...claims, ...change }))}.${signature}`;
      expect(await refusal(forged)).toEqual(refused('invalid'));
    }
    expect((await viewer(token)).status).toBe(200);
  });

  it('an oversized token is refused before it is parsed; a non-JWT shape goes to the tokens file', async () => {
    const huge = `${'a'.repeat(20_000)}.${'b'.repeat(20_000)}.c`;
    expect(await refusal(huge)).toEqual(refused('oversized'));
    expect(await refusal('not.a.jwt!')).toEqual(refused('unknown'));
    expect(await refusal('eyJhbGciOiJSUzI1NiJ9.e30')).toEqual(refused('unknown'));
    expect(await refusal('eyJub3QiOiJqc29u.eyJhIjoxfQ.c2ln')).toEqual(refused('malformed'));
  });
});

describe('over real sockets', () => {
  it('HTTP, the plain HTTP APIs and a WebSocket subscription authenticate the same token', async () => {
    const token = await tokenFor('alice-app', { name: 'Alice Example', email: 'alice@example.com', groups: ['team-a'] });
    const http = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { email } }' }),
    });
    expect(await http.json()).toEqual({ data: { viewer: { email: 'alice@example.com' } } });
    const api = await fetch(`${h.url}/v1/config/team-a-app/app.json`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(200);
    const forged = `${token.slice(0, -4)}AAAA`;
    presented.add(forged);
    const refusedApi = await fetch(`${h.url}/v1/config/team-a-app/app.json`, { headers: { authorization: `Bearer ${forged}` } });
    expect(refusedApi.status).toBe(401);
    const client = h.ws(token);
    const email = await new Promise<unknown>((resolve, reject) => {
      client.subscribe<{ viewer: { email: string } }>(
        { query: '{ viewer { email } }' },
        { next: (value) => resolve(value.data?.viewer.email), error: reject, complete: () => undefined },
      );
    });
    expect(email).toBe('alice@example.com');
  });

  it("a WebSocket is closed (4403) when its token stops being accepted, the live feed's subscription with it", async () => {
    // Expired 28 s ago: accepted for the 2 s left of the 30 s clock skew.
    const token = await signed(provider.signingKey, { exp: Math.floor(Date.now() / 1000) - 28 });
    presented.add(token);
    const client = h.ws(token);
    const closed = new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
    const ended = new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: 'subscription { changes(namespace: "team-a-app") { version } }' },
        { next: () => undefined, error: resolve, complete: () => resolve('complete') },
      );
    });
    const started = Date.now();
    expect(await closed).toBe(4403);
    await ended;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an SSE subscription is cut off when its token stops being accepted', async () => {
    const token = await signed(provider.signingKey, { exp: Math.floor(Date.now() / 1000) - 28 });
    presented.add(token);
    const started = Date.now();
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'subscription { changes(namespace: "team-a-app") { version } }' }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const ended = (async (): Promise<string> => {
      try {
        while (!(await reader.read()).done);
        return 'ended';
      } catch {
        return 'cut off';
      }
    })();
    expect(['ended', 'cut off']).toContain(await ended);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('a provider whose keys cannot be had', () => {
  type Mode = 'hang' | 'not-json' | 'not-a-key-set' | 'error';
  let mode: Mode = 'hang';
  let keysServer: Server;
  let keysUrl: string;
  let broken: Harness;
  let undiscoverable: Harness;
  const TIMEOUT_MS = 400;

  beforeAll(async () => {
    keysServer = createServer((_req, res) => {
      if (mode === 'hang') return; // Never answers: the request waits until the client gives up.
      if (mode === 'error') return void res.writeHead(500).end('oops');
      res.writeHead(200, { 'content-type': 'application/json' }).end(mode === 'not-json' ? '<html>keys?' : '{"keys":"all of them"}');
    });
    await new Promise<void>((resolve) => keysServer.listen(0, '127.0.0.1', resolve));
    keysUrl = `http://127.0.0.1:${(keysServer.address() as AddressInfo).port}`;
    const env = { CAIRN_OIDC_AUDIENCE: CAIRN_AUDIENCE, CAIRN_OIDC_ROLES: ROLES, CAIRN_OIDC_JWKS_TIMEOUT_MS: String(TIMEOUT_MS) };
    const logger = pino({ level: 'debug' }, logs);
    broken = await startHarness({ tokens: [ADMIN], logger, env: { ...env, CAIRN_OIDC_ISSUER: provider.issuer, CAIRN_OIDC_JWKS_URI: `${keysUrl}/jwks` } });
    // No CAIRN_OIDC_JWKS_URI: the discovery document is asked of the issuer, which hangs too.
    undiscoverable = await startHarness({ tokens: [ADMIN], logger, env: { ...env, CAIRN_OIDC_ISSUER: keysUrl } });
  });

  afterAll(async () => {
    await broken?.close();
    await undiscoverable?.close();
    keysServer?.closeAllConnections();
    await new Promise<void>((resolve) => keysServer?.close(() => resolve()));
  });

  const attempt = async (server: Harness, token: string): Promise<Refusal & { ms: number }> => {
    presented.add(token);
    const started = performance.now();
    const res = await server.gql('{ viewer { email } }', {}, token);
    return { status: res.status, code: res.errors?.[0]?.extensions?.code, message: res.errors?.[0]?.message, ms: performance.now() - started };
  };

  it('a JWKS endpoint that hangs: every request is refused as unverifiable within the timeout, the tokens file still works', async () => {
    mode = 'hang';
    const token = await signed(provider.signingKey, {});
    const results = await Promise.all([1, 2, 3].map(() => attempt(broken, token)));
    for (const result of results) {
      expect(result).toMatchObject(refused('unverifiable'));
      expect(result.ms).toBeLessThan(TIMEOUT_MS + 1_500);
    }
    expect((await broken.gql<{ viewer: { email: string } }>('{ viewer { email } }', {}, ADMIN.token)).data.viewer.email).toBe(ADMIN.email);
  });

  it('a discovery document that hangs is bounded the same way', async () => {
    mode = 'hang';
    const result = await attempt(undiscoverable, await signed(provider.signingKey, {}));
    expect(result).toMatchObject(refused('unverifiable'));
    expect(result.ms).toBeLessThan(TIMEOUT_MS + 1_500);
  });

  it.each<Mode>(['not-json', 'not-a-key-set', 'error'])('a JWKS endpoint answering %s: unverifiable', async (answer) => {
    mode = answer;
    expect(await attempt(broken, await signed(provider.signingKey, {}))).toMatchObject(refused('unverifiable'));
    expect(await attempt(undiscoverable, await signed(provider.signingKey, {}))).toMatchObject(refused('unverifiable'));
  });

  it('the operator is told in the log, with the provider and no token', () => {
    const warnings = logs.lines.filter((line) => line.includes("identity provider's keys could not be fetched"));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.some((line) => line.includes(keysUrl))).toBe(true);
  });
});

describe('logs', () => {
  it('hold no token presented in this file, nor any signature of one', () => {
    expect(presented.size).toBeGreaterThan(20);
    const text = logs.lines.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const token of presented) {
      const signature = token.split('.')[2] ?? '';
      expect(text.includes(token)).toBe(false);
      if (signature.length > 16) expect(text.includes(signature)).toBe(false);
    }
  });
});
