import { useEffect, useState } from 'preact/hooks';

export type Loaded<T> = { readonly state: 'loading' } | { readonly state: 'error'; readonly error: Error } | { readonly state: 'done'; readonly data: T };

/**
 * Runs `load` whenever a dependency changes (the namespace's revision among them, so a live event refreshes
 * every view); answers that arrive after a newer request started are dropped. The last data stays on screen while
 * a refresh runs.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setLoaded({ state: 'done', data }),
      (error: unknown) => current && setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
    // The caller names the dependencies, as with useEffect.
  }, deps);
  return loaded;
}
