import { useEffect, useState } from 'preact/hooks';
import { Unauthenticated, createApi } from './api.js';
import { Logo } from './components/logo.js';
import { useTitle } from './page-title.js';
import { NAMESPACES } from './queries.js';
import { type SignOnSettings, beginSignOn, signOnSettings } from './sign-on.js';

/** A token is tried against the server before it is kept; a development server takes no token at all. */
export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);
  const [signOn, setSignOn] = useState<SignOnSettings | null>(null);
  useTitle('Sign in · Cairn');
  useEffect(() => {
    void signOnSettings().then(setSignOn);
  }, []);
  const leaveForProvider = async (settings: SignOnSettings): Promise<void> => {
    setBusy(true);
    try {
      await beginSignOn(settings);
    } catch (failure) {
      setError(`Could not reach the identity provider: ${(failure as Error).message}`);
      setBusy(false);
    }
  };
  const attempt = async (candidate: string): Promise<void> => {
    setBusy(true);
    setError(null);
    const api = createApi(candidate, () => undefined);
    try {
      await api.request(NAMESPACES, { first: 1, after: null });
      onSignedIn(candidate);
    } catch (failure) {
      setError(
        failure instanceof Unauthenticated
          ? candidate
            ? 'This token was refused. Check it and try again.'
            : 'This server needs a token.'
          : `Could not reach Cairn: ${(failure as Error).message}`,
      );
    } finally {
      api.close();
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <form
        class="card sign-in-card"
        onSubmit={(event) => {
          event.preventDefault();
          void attempt(token.trim());
        }}
      >
        <div class="sign-in-brand">
          <Logo size={40} />
          <div>
            <h1>Cairn</h1>
            <p class="muted">Versioned configuration, on Git</p>
          </div>
        </div>
        {signOn && (
          <button class="button primary" type="button" disabled={busy} onClick={() => void leaveForProvider(signOn)}>
            Sign in with single sign-on
          </button>
        )}
        <label for="token">Access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          placeholder="Bearer token"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          autoFocus
        />
        {error && (
          <p class="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <button class="button primary" type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
        <button class="button link" type="button" disabled={busy} onClick={() => void attempt('')}>
          Continue without a token (development server)
        </button>
        <p class="muted small">The token stays in this tab only (session storage).</p>
      </form>
    </main>
  );
}
