import { useState } from 'preact/hooks';
import { Shell } from './shell.js';
import { SignIn } from './sign-in.js';
import { forgetToken, storedToken, storeToken } from './session.js';

/** Signed in (a token, or none on a development server) or not. */
export function App() {
  const [token, setToken] = useState(storedToken);
  const [notice, setNotice] = useState<string | null>(null);
  if (token === null) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(accepted) => {
          storeToken(accepted);
          setNotice(null);
          setToken(accepted);
        }}
      />
    );
  }
  const signOut = (reason: string | null): void => {
    forgetToken();
    setNotice(reason);
    setToken(null);
  };
  return <Shell token={token} onSignOut={signOut} />;
}
