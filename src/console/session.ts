/** The signed-in token, for this browser tab only (sessionStorage): closing the tab signs out. */
const KEY = 'cairn.token';

/** null: not signed in; '': signed in without a token (a development server accepts any request). */
export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

export function authorization(token: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
