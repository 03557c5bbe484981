import { useEffect, useState } from 'preact/hooks';
import { Shell } from './shell.js';
import { SignIn } from './sign-in.js';
import { forgetToken, storedToken, storeToken } from './session.js';
import { completeSignOn, forgetSignOn, isSignOnReturn, signedOnWithProvider, signOnSettings } from './sign-on.js';

const SESSION_EXPIRED = 'Your single sign-on session expired or was refused. Sign in again.';

/** Signed in (a token, or none on a development server) or not. */
export function App() {
  const [token, setToken] = useState(storedToken);
  const [notice, setNotice] = useState<string | null>(null);
  const [returning, setReturning] = useState(isSignOnReturn);
  const accept = (accepted: string): void => {
    storeToken(accepted);
    setNotice(null);
    setToken(accepted);
  };
  useEffect(() => {
    if (!returning) return;
    void (async () => {
      try {
        const settings = await signOnSettings();
        if (!settings) throw new Error('this server has no single sign-on');
        accept(await completeSignOn(settings));
      } catch (failure) {
        setNotice(`Single sign-on failed: ${(failure as Error).message}`);
      } finally {
        setReturning(false);
      }
    })();
  }, []);
  if (returning) return <main class="sign-in" aria-busy="true" />;
  if (token === null) return <SignIn notice={notice} onSignedIn={accept} />;
  const signOut = (reason: string | null): void => {
    const expired = reason !== null && signedOnWithProvider();
    forgetToken();
    forgetSignOn();
    setNotice(expired ? SESSION_EXPIRED : reason);
    setToken(null);
  };
  return <Shell token={token} onSignOut={signOut} />;
}
