import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JWK, exportJWK, generateKeyPair } from 'jose';
import Provider, { type Token } from 'oidc-provider';

/** The audience the test Cairn servers accept, and the resource test tokens are asked for by default. */
export const CAIRN_AUDIENCE = 'https://cairn.test/';

export interface SigningKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/**
 * A real OpenID provider (npm oidc-provider) on a loopback port, in the test's process. Its clients get access tokens
 * by the client credentials grant, as JWTs for the resource they name (RFC 8707), signed with the provider's current
 * key and carrying the claims the test set for that client (name, email, groups).
 */
export interface TestProvider {
  readonly issuer: string;
  /** The key that signs the tokens issued now. */
  readonly signingKey: SigningKey;
  /** An access token for `client`, for `resource` (default CAIRN_AUDIENCE). */
  token(client: string, resource?: string): Promise<string>;
  /** What the next tokens of `client` will carry, beside the standard claims. */
  setClaims(client: string, claims: Record<string, unknown>): void;
  /**
   * A public client for a browser (authorization code with PKCE, the provider's own login and consent pages, which
   * take any login and password): people signing in as `login` get `setAccount`'s claims in their ID token.
   */
  addBrowserClient(clientId: string, redirectUri: string): void;
  setAccount(login: string, claims: Record<string, unknown>): void;
  /** A new signing key (new `kid`); the old one stays in the provider's key set, as providers do while old tokens live. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

export const CLIENT_SECRET = 'test-client-secret-of-enough-length';

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `key-${Math.random().toString(36).slice(2, 10)}`;
  const base = { kid, alg: 'RS256', use: 'sig' };
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), ...base }, publicJwk: { ...(await exportJWK(publicKey)), ...base } };
}

export async function startTestProvider(options: { clients: readonly string[]; keys?: SigningKey[] }): Promise<TestProvider> {
  const keys = options.keys ? [...options.keys] : [await newSigningKey()];
  const claims = new Map<string, Record<string, unknown>>();
  const accounts = new Map<string, Record<string, unknown>>();
  const browserClients: { client_id: string; redirect_uris: string[] }[] = [];
  let provider: Provider | null = null;
  const server = createServer((req, res) => {
    if (provider) provider.callback()(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const build = (): Provider =>
    new Provider(issuer, {
      clients: [
        ...options.clients.map((id) => ({
          client_id: id,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials'],
          redirect_uris: [] as string[],
          response_types: [] as string[],
        })),
        ...browserClients.map((client) => ({
          ...client,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code'],
          response_types: ['code'],
        })),
      ],
      findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, ...accounts.get(sub) }) }),
      claims: { openid: ['sub'], email: ['email'], profile: ['name'], groups: ['groups'] },
      // Name, email and groups in the ID token itself (the console sends it), not only at the userinfo endpoint.
      conformIdTokenClaims: false,
      clientBasedCORS: () => true,
      jwks: { keys: keys.map((key) => key.privateJwk) },
      cookies: { keys: ['test-cookie-key-not-a-secret'] },
      ttl: { ClientCredentials: 600, AccessToken: 600, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
      features: {
        devInteractions: { enabled: browserClients.length > 0 },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => CAIRN_AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({
            scope: 'cairn',
            audience: resource,
            accessTokenTTL: 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      extraTokenClaims: (_ctx: unknown, token: Token) => claims.get(token.clientId ?? '') ?? {},
    });
  provider = build();
  return {
    issuer,
    get signingKey() {
      return keys[0]!;
    },
    async token(client, resource = CAIRN_AUDIENCE) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client}:${CLIENT_SECRET}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || !body.access_token) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    setClaims(client, values) {
      claims.set(client, values);
    },
    addBrowserClient(clientId, redirectUri) {
      browserClients.push({ client_id: clientId, redirect_uris: [redirectUri] });
      provider = build();
    },
    setAccount(login, values) {
      accounts.set(login, values);
    },
    async rotate() {
      keys.unshift(await newSigningKey());
      provider = build();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
