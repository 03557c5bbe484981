/**
 * Single sign-on for the console: the authorization code flow with PKCE (RFC 7636) against the identity provider
 * Cairn names at /sign-on.json. The ID token it returns is the console's bearer token, kept like a pasted one (this
 * tab's sessionStorage); when it expires the server refuses it and the console says the session expired.
 */
export interface SignOnSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: string;
}

/** What is kept across the round trip to the provider: the verifier proves the code is ours, the state the answer. */
const PENDING = 'cairn.sign-on';
/** Marks a token that came from single sign-on, so a refusal reads as an expired session. */
const FROM_SIGN_ON = 'cairn.sign-on.token';

export async function signOnSettings(): Promise<SignOnSettings | null> {
  try {
    const res = await fetch('/sign-on.json', { headers: { accept: 'application/json' } });
    return res.ok ? ((await res.json()) as SignOnSettings) : null;
  } catch {
    return null;
  }
}

interface Endpoints {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
}

async function endpoints(issuer: string): Promise<Endpoints> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the identity provider answered ${res.status}`);
  return (await res.json()) as Endpoints;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function randomText(bytes: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function redirectUri(): string {
  return `${location.origin}/`;
}

/** Leaves for the provider's sign-in page; it comes back to `/` with `code` and `state`. */
export async function beginSignOn(settings: SignOnSettings): Promise<void> {
  const { authorization_endpoint } = await endpoints(settings.issuer);
  const verifier = randomText(32);
  const state = randomText(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri(),
    scope: settings.scopes,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  });
  location.assign(`${authorization_endpoint}?${query.toString()}`);
}

/** Whether this page load is the provider's answer. */
export function isSignOnReturn(): boolean {
  const query = new URLSearchParams(location.search);
  return query.has('state') && (query.has('code') || query.has('error'));
}

/** The ID token for the code the provider sent back; the URL is cleaned of it either way. */
export async function completeSignOn(settings: SignOnSettings): Promise<string> {
  const query = new URLSearchParams(location.search);
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING);
  if (query.get('error')) throw new Error(`the identity provider refused: ${query.get('error_description') ?? query.get('error')}`);
  if (!pending || pending.state !== query.get('state')) throw new Error('this sign-in answer was not asked for here; sign in again');
  const { token_endpoint } = await endpoints(settings.issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: query.get('code') ?? '',
      redirect_uri: redirectUri(),
      client_id: settings.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = (await res.json()) as { id_token?: string; error_description?: string; error?: string };
  if (!res.ok || !body.id_token) throw new Error(`the identity provider gave no token: ${body.error_description ?? body.error ?? res.status}`);
  sessionStorage.setItem(FROM_SIGN_ON, '1');
  return body.id_token;
}

/** Whether the signed-in token came from single sign-on (then a refusal means the session expired). */
export function signedOnWithProvider(): boolean {
  return sessionStorage.getItem(FROM_SIGN_ON) === '1';
}

export function forgetSignOn(): void {
  sessionStorage.removeItem(FROM_SIGN_ON);
}
